// Headings whose section holds no tasks ("Success Criteria", "Notes", "Definition of Done"…): checkbox items there are ignored.
// Rules: shared/reference/kiro-tasks-format.md, Part 2 ("Unnumbered checkbox items").
import type { ClassifiedLine } from "./lines.ts";

/**
 * Names of sections whose checkbox items are not tasks, by language (matched case-insensitively against the
 * heading reduced to words: punctuation, hyphens and apostrophes become spaces, so `Post-MVP` is `post mvp`).
 * Deliberately narrow: "Phase 11: Integration Testing and Acceptance" holds tasks.
 */
const NON_TASK_NAMES: Record<string, string[]> = {
  en: [
    "success criteria", "acceptance criteria", "exit criteria", "completion criteria", "done criteria", "criteria", "notes?", "acceptance",
    "definition of done", "check ?list", "quality gates", "future (?:work|enhancements?|improvements?|ideas)", "post mvp(?: (?:features|enhancements|work|ideas))?",
  ],
  zh: ["验收标准", "驗收標準", "验收条件", "驗收條件", "成功标准", "成功標準", "完成标准", "完成標準", "检查清单", "檢查清單", "检查表", "完成的?定义", "完成的?定義", "未来工作", "未來工作", "后续工作", "後續工作", "备注", "備註", "注意事项", "mvp ?(?:之后|之後|后|後)"],
  ja: ["受け入れ基準", "受入基準", "受け入れ条件", "成功基準", "成功条件", "完了条件", "完了基準", "完了の定義", "チェックリスト", "今後の作業", "将来の作業", "今後の課題", "備考", "注意事項", "mvp ?後"],
  ko: ["수락 ?기준", "인수 ?기준", "승인 ?기준", "성공 ?기준", "완료 ?기준", "완료 ?조건", "체크 ?리스트", "완료의 ?정의", "완료 ?정의", "향후 ?작업", "향후 ?과제", "참고 ?사항", "비고", "mvp ?이후"],
  es: ["criterios de (?:aceptación|aceptacion|éxito|exito|finalización|finalizacion)", "lista de (?:verificación|verificacion|comprobación|comprobacion)", "definición de (?:hecho|terminado|listo)", "trabajos? futuros?", "notas", "post mvp"],
  de: ["akzeptanzkriterien", "abnahmekriterien", "erfolgskriterien", "checkliste", "definition von fertig", "(?:zukünftige|künftige) arbeiten?", "ausblick", "hinweise", "anmerkungen", "nach (?:dem )?mvp"],
  fr: ["critères d ?(?:acceptation|acceptance)", "critères de (?:succès|réussite)", "liste de (?:contrôle|vérification)", "définition de (?:terminé|fini)", "travaux futurs", "travail futur", "remarques", "après (?:le )?mvp"],
  pt: ["critérios de (?:aceitação|aceite|sucesso)", "lista de verificação", "definição de (?:pronto|concluído)", "trabalhos? futuros?", "observações", "pós mvp"],
  ru: ["критерии (?:приёмки|приемки|успеха|готовности)", "чек ?лист", "контрольный список", "определение готовности", "(?:будущая|дальнейшая) работа", "будущие работы", "примечания", "заметки", "после mvp"],
};

/** The whole heading is one name, optionally after one qualifying word ("Implementation Notes", "最终 验收标准"); CJK names may follow a qualifier without a space. */
const NON_TASK_HEADING = new RegExp(
  String.raw`^(?:[\p{L}\p{N}]+\s+)?(?:${Object.values(NON_TASK_NAMES).flat().join("|")})$|^[\p{L}\p{N}]{0,8}(?:${[...NON_TASK_NAMES.zh!, ...NON_TASK_NAMES.ja!].join("|")})$`,
  "iu",
);

/** The heading text reduced to words: `## 🎯 Success Criteria (v1)` → `Success Criteria`. */
function headingWords(text: string): string {
  return text
    .replace(/\([^)]*\)\s*$/u, "")
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** True for a heading that opens a section whose checkbox items are not tasks. */
export function isNonTaskHeading(text: string): boolean {
  return NON_TASK_HEADING.test(headingWords(text));
}

/**
 * Follows the headings of a file line by line: `at(line)` gives the text of the non-task section heading the line
 * sits under, or null. A section lasts until the next heading of the same or a higher level. Numbered headings
 * (`### 3. Acceptance tests`) never open one. Headings must be given in file order, each once; other lines change
 * nothing and may be left out.
 */
export function sectionTracker(): { at(line: ClassifiedLine): string | null } {
  let section: { level: number; text: string } | null = null;
  return {
    at(line) {
      if (line.kind === "heading") {
        if (section && line.level <= section.level) section = null;
        if (!section && !line.numbered && isNonTaskHeading(line.text)) section = { level: line.level, text: line.text };
      }
      return section === null ? null : section.text;
    },
  };
}

/** For each line, what {@link sectionTracker} says of it; null instead of the list when no line is under a non-task section (most files). */
export function nonTaskSections(lines: ClassifiedLine[]): (string | null)[] | null {
  const tracker = sectionTracker();
  let out: (string | null)[] | null = null;
  for (let i = 0; i < lines.length; i++) {
    const section = tracker.at(lines[i]!);
    if (section !== null) out ??= new Array<string | null>(lines.length).fill(null);
    if (out) out[i] = section;
  }
  return out;
}
