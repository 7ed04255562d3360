// parseTasks: every variation of shared/reference/kiro-tasks-format.md Part 1 (numbered 1-47) and the parsing rules of Part 2.
import { describe, expect, test } from "bun:test";
import { parseTasks, parseWholeFile } from "../../src/spec/parse.ts";
import { planUnits } from "../../src/spec/plan.ts";
import type { CheckboxMark, PlanOptions, Task, TasksFile } from "../../src/spec/types.ts";

const md = (...lines: string[]): string => `${lines.join("\n")}\n`;
const parse = (text: string): TasksFile => parseTasks(text, "tasks.md");

function task(parsed: TasksFile, key: string): Task {
  const found = parsed.tasks.find((t) => t.key === key);
  if (!found) throw new Error(`no task ${key}; keys: ${parsed.tasks.map((t) => t.key).join(", ")}`);
  return found;
}

/** `key parent mark title` per task, for compact table expectations. */
const outline = (parsed: TasksFile): string[] =>
  parsed.tasks.map((t) => `${t.key} ^${t.parentKey ?? "-"} [${t.mark}]${t.optional ? "*" : ""} ${t.title}`);

describe("Part 1: shape of a task line (variations 1-22)", () => {
  const cases: { n: number; name: string; text: string; outline: string[] }[] = [
    {
      n: 1,
      name: "standard top-level task",
      text: md("- [ ] 1. Layihə strukturu, tip sistemi və test mühiti"),
      outline: ["1 ^- [ ] Layihə strukturu, tip sistemi və test mühiti"],
    },
    {
      n: 2,
      name: "sub-task indented 2 spaces",
      text: md("- [x] 2. Concepts", "  - [x] 2.1 Implement network_simulator_types concept"),
      outline: ["2 ^- [x] Concepts", "2.1 ^2 [x] Implement network_simulator_types concept"],
    },
    {
      n: 3,
      name: "sub-task at column 0",
      text: md("- [ ] 1. Accounts", "- [x] 1.1 Create CustomerAccount module with controller and service"),
      outline: ["1 ^- [ ] Accounts", "1.1 ^1 [x] Create CustomerAccount module with controller and service"],
    },
    {
      n: 4,
      name: "sub-task indented 4 spaces",
      text: md("- [x] 2. Repository", "    - [x] 2.1 Add budget CRUD methods to repository interface ✅"),
      outline: ["2 ^- [x] Repository", "2.1 ^2 [x] Add budget CRUD methods to repository interface ✅"],
    },
    {
      n: 5,
      name: "tab-indented sub-task",
      text: md("- [x] 2. Shared", "\t- [x] 2.1 Extract validateWagtailSession() to shared utility"),
      outline: ["2 ^- [x] Shared", "2.1 ^2 [x] Extract validateWagtailSession() to shared utility"],
    },
    {
      n: 6,
      name: "several spaces after the checkbox",
      text: md("- [x]   1. Set up budget data models and database schema ✅"),
      outline: ["1 ^- [x] Set up budget data models and database schema ✅"],
    },
    {
      n: 7,
      name: "three-level ID at the same indent as its parent",
      text: md("- [~] 5. Security", "  - [x] 5.2 OSCORE", "  - [x] 5.2.1 EDHOC bootstrap — **implemented over /.well-known/edhoc**"),
      outline: ["5 ^- [~] Security", "5.2 ^5 [x] OSCORE", "5.2.1 ^5.2 [x] EDHOC bootstrap — **implemented over /.well-known/edhoc**"],
    },
    {
      n: 8,
      name: "three-level ID at column 0 under a #### heading",
      text: md("### 1. 覆盖率", "#### 1.1 ai_brain_coordinator", "- [ ] 1.1.1 完成 test_ai_brain_coordinator_missing_lines.py 中的所有缺失行测试"),
      outline: ["1.1.1 ^1.1 [ ] 完成 test_ai_brain_coordinator_missing_lines.py 中的所有缺失行测试"],
    },
    {
      n: 10,
      name: "task 0",
      text: md("- [ ] 0. **Spike: pin the vendor facts this spec paraphrases**"),
      outline: ["0 ^- [ ] **Spike: pin the vendor facts this spec paraphrases**"],
    },
    {
      n: 11,
      name: "alphanumeric ID",
      text: md("- [x] 38. Hyper-V", "- [x] 38a. WSL2Provider: snapshot and restore"),
      outline: ["38 ^- [x] Hyper-V", "38a ^- [x] WSL2Provider: snapshot and restore"],
    },
    {
      n: 12,
      name: "out-of-order IDs keep file order",
      text: md("- [ ] 10. Ten", "- [ ] 29. Twenty-nine", "- [ ] 11. Eleven"),
      outline: ["10 ^- [ ] Ten", "29 ^- [ ] Twenty-nine", "11 ^- [ ] Eleven"],
    },
    {
      n: 13,
      name: "two different tasks with one ID",
      text: md(
        "- [-] 13. Gateway",
        "  - [ ]* 13.4 Write property test for gateway error logging",
        "  - [x] 13.4 Update handleReturn() method",
      ),
      outline: ["13 ^- [-] Gateway", "13.4 ^13 [ ]* Write property test for gateway error logging", "13.4#2 ^13 [x] Update handleReturn() method"],
    },
    {
      n: 14,
      name: "the same task repeated with another state",
      text: md("- [x] 6. 更新 useEvents 以支持重复事件", "- [ ] 6. 更新 useEvents 以支持重复事件"),
      outline: ["6 ^- [x] 更新 useEvents 以支持重复事件", "6#2 ^- [ ] 更新 useEvents 以支持重复事件"],
    },
    {
      n: 19,
      name: "emoji status at the start of the title",
      text: md("- [ ] 3. ❌ Create components/admin/Orders/NotesSection.vue"),
      outline: ["3 ^- [ ] ❌ Create components/admin/Orders/NotesSection.vue"],
    },
    {
      n: 20,
      name: "status at the end of the title",
      text: md("- [x] 8. Create customer communication system ⚠️ **PARTIALLY COMPLETE (50%)**", "- [x] 1. Scaffold project and CLI skeleton  _(PR #1)_"),
      outline: ["8 ^- [x] Create customer communication system ⚠️ **PARTIALLY COMPLETE (50%)**", "1 ^- [x] Scaffold project and CLI skeleton  _(PR #1)_"],
    },
    {
      n: 21,
      name: "cc-sdd parallel marker stays in the title",
      text: md("- [x] 1. 基盤", "- [x] 1.1 ユーザーコンテキストとタスク種別の型定義を実装 (P)"),
      outline: ["1 ^- [x] 基盤", "1.1 ^1 [x] ユーザーコンテキストとタスク種別の型定義を実装 (P)"],
    },
    {
      n: 22,
      name: "requirement reference in the title and a trailing hard break",
      text: md("- [x] 2. Session manager _(relates to Req 1,5,6)_  "),
      outline: ["2 ^- [x] Session manager _(relates to Req 1,5,6)_"],
    },
  ];
  for (const c of cases) {
    test(`${c.n}. ${c.name}`, () => {
      expect(outline(parse(c.text))).toEqual(c.outline);
    });
  }

  test("8. the #### heading is a group under the ### group", () => {
    const parsed = parse(md("### 1. 覆盖率", "#### 1.1 ai_brain_coordinator", "- [ ] 1.1.1 完成测试", "- [ ] 1.1.2 完成测试"));
    expect(parsed.groups.map((g) => [g.key, g.parentKey, g.childKeys])).toEqual([
      ["1", null, ["1.1"]],
      ["1.1", "1", ["1.1.1", "1.1.2"]],
    ]);
  });

  test("9. lettered items are checklist items of the task", () => {
    const parsed = parse(md("- [ ] 0. Spike", "  a. [x] **Request Signing Version 1**: CONFIRMED — spike-notes.md", "  b) [ ] Second"));
    expect(parsed.tasks).toHaveLength(1);
    expect(task(parsed, "0").checklist).toEqual([
      { text: "**Request Signing Version 1**: CONFIRMED — spike-notes.md", done: true, line: 2 },
      { text: "Second", done: false, line: 3 },
    ]);
  });

  test("13/14. a repeated ID warns and names both lines", () => {
    const parsed = parse(md("- [x] 6. Same", "- [ ] 6. Same"));
    expect(parsed.warnings).toEqual(['tasks.md:2: task ID "6" is used again (first at line 1); this one is "6#2"']);
  });

  test("15. a task-like line without a checkbox is ignored, and so are its details", () => {
    const parsed = parse(md("- [x] 25. Done", "- 26. VS Code extension: terminal profile picker: **deferred to the backlog** (2026-09-16)", "  - detail of 26", "- [ ] 27. Next"));
    expect(parsed.tasks.map((t) => t.key)).toEqual(["25", "27"]);
    expect(task(parsed, "25").details).toEqual([]);
    expect(parsed.ignored).toEqual([
      { line: 2, text: "- 26. VS Code extension: terminal profile picker: **deferred to the backlog** (2026-09-16)", reason: "looks like a task but has no checkbox" },
    ]);
  });

  test("15. a non-checkbox bracket such as [⏭️] is not a checkbox", () => {
    const parsed = parse(md("- [x] 5. Five", "- [⏭️] 6. Alerts **[SKIPPED]**", "    - [⏭️] 6.1 Monitoring **[SKIPPED]**", "- [ ] 7. Seven"));
    expect(parsed.tasks.map((t) => t.key)).toEqual(["5", "7"]);
    expect(parsed.ignored.map((i) => i.line)).toEqual([2, 3]);
  });

  test("16/17. unnumbered and bold unnumbered items inside a task are its checklist", () => {
    const parsed = parse(md("- [x] 4. Media", "- [ ] Create Analysis.properties.test.ts with tests for:", "- [x] **Implement video-only recording workflow** - removed text input requirements"));
    expect(parsed.tasks).toHaveLength(1);
    expect(task(parsed, "4").checklist.map((c) => [c.text, c.done])).toEqual([
      ["Create Analysis.properties.test.ts with tests for:", false],
      ["**Implement video-only recording workflow** - removed text input requirements", true],
    ]);
  });

  test("18. a bold title wrapping onto a continuation line: first line is the title, the rest a detail", () => {
    const parsed = parse(md("- [x] 1. **Shared control-plane foundation**: `alibaba_client_config`,", "      `alibaba_signing`, `alibaba_http_client`", "", "  - Create the header"));
    expect(task(parsed, "1").title).toBe("**Shared control-plane foundation**: `alibaba_client_config`,");
    expect(task(parsed, "1").details).toEqual(["      `alibaba_signing`, `alibaba_http_client`", "", "  - Create the header"]);
  });

  test("19. emoji status on checklist items stays in their text", () => {
    const parsed = parse(md("- [x] 8. Notes", "  - [x] ✅ Database schema exists", "  - [ ] ❌ Create NotesSection.vue"));
    expect(task(parsed, "8").checklist.map((c) => c.text)).toEqual(["✅ Database schema exists", "❌ Create NotesSection.vue"]);
  });
});

describe("Part 1: checkbox states (variations 23-29)", () => {
  const cases: { n: string; line: string; mark: CheckboxMark; ticked: boolean; optional: boolean }[] = [
    { n: "23", line: "- [ ] 1. Open", mark: " ", ticked: false, optional: false },
    { n: "23", line: "- [x] 1. Done", mark: "x", ticked: true, optional: false },
    { n: "24", line: "- [X] 1. Done upper", mark: "X", ticked: true, optional: false },
    { n: "25", line: "- [-] 1. In progress", mark: "-", ticked: false, optional: false },
    { n: "26", line: "- [~] 1. Partly done", mark: "~", ticked: false, optional: false },
    { n: "27", line: "- [ ]* 1. Optional", mark: " ", ticked: false, optional: true },
    { n: "28", line: "- [x]* 1. Optional done", mark: "x", ticked: true, optional: true },
    { n: "29", line: "- [ ]\\* 1. Escaped optional", mark: " ", ticked: false, optional: true },
    { n: "29", line: "- [x]\\* 1. Escaped optional done", mark: "x", ticked: true, optional: true },
    { n: "P2", line: "- [ ] 1. Write docs [optional]", mark: " ", ticked: false, optional: true },
  ];
  for (const c of cases) {
    test(`${c.n}. ${c.line}`, () => {
      const t = task(parse(md(c.line)), "1");
      expect([t.mark, t.ticked, t.optional]).toEqual([c.mark, c.ticked, c.optional]);
    });
  }
});

describe("Part 1: detail lines (variations 30-38)", () => {
  const fields = (...details: string[]) => {
    const t = task(parse(md("- [ ] 1. Task", ...details)), "1");
    return { requirements: t.requirements, writes: t.writes, reads: t.reads, dependencies: t.dependencies, details: t.details };
  };
  const cases: { n: string; lines: string[]; expected: Partial<ReturnType<typeof fields>> }[] = [
    { n: "30", lines: ["  - _Requirements: 17.2_"], expected: { requirements: ["17.2"], details: [] } },
    { n: "30", lines: ["  - _Requirements: 4, 20 (AC 9)_"], expected: { requirements: ["4", "20 (AC 9)"] } },
    { n: "31", lines: ["  - _Requirements: 1.1–1.10, 2.1–2.10_"], expected: { requirements: ["1.1–1.10", "2.1–2.10"] } },
    { n: "32", lines: ["  - _Requirements: [1.1, 1.2]_"], expected: { requirements: ["1.1", "1.2"] } },
    { n: "33", lines: ["  - _Requirements: Comprehensive crop variety database_"], expected: { requirements: ["Comprehensive crop variety database"] } },
    { n: "34", lines: ["  - _需求: 1.2, 3.4_"], expected: { requirements: ["1.2", "3.4"] } },
    { n: "34", lines: ["  - _Requisitos: 2.1_"], expected: { requirements: ["2.1"] } },
    { n: "34", lines: ["  - _Требования: 1.1, 1.2_"], expected: { requirements: ["1.1", "1.2"] } },
    { n: "34", lines: ["  - _요구사항: 3.1_"], expected: { requirements: ["3.1"] } },
    { n: "34", lines: ["  - _Exigences: 5.1_", "  - _Anforderungen: 6.1_"], expected: { requirements: ["5.1", "6.1"] } },
    {
      n: "35",
      lines: ["  - **Property 1: Gateway Type Storage**", "  - **Validates: Requirements 1.4, 5.1**", "  - **验证: 需求 1.2**"],
      expected: { requirements: [], details: ["  - **Property 1: Gateway Type Storage**", "  - **Validates: Requirements 1.4, 5.1**", "  - **验证: 需求 1.2**"] },
    },
    { n: "36", lines: ["  - _writes: go.mod, main.go, cmd/root.go_"], expected: { writes: ["go.mod", "main.go", "cmd/root.go"], details: [] } },
    {
      n: "36",
      lines: ["  - _writes: go.mod_ (generated by go mod init)"],
      expected: { writes: ["go.mod"], details: ["  - _writes: go.mod_ (generated by go mod init)"] },
    },
    {
      n: "37",
      lines: [
        "  - _Writes: crates/project_panel/src/project_panel.rs_",
        "  - _Depends on: 1_",
        "  - _Reads: Cargo.toml, Cargo.lock_",
        "  - _Validation: run the scenarios_",
      ],
      expected: {
        writes: ["crates/project_panel/src/project_panel.rs"],
        reads: ["Cargo.toml", "Cargo.lock"],
        dependencies: ["1"],
        details: ["  - _Validation: run the scenarios_"],
      },
    },
    {
      n: "38",
      lines: ["  - _Dependencies: [1.1]_", "  - _Estimated: 2 days_", "  - _Status: Backend ready, UI components missing_", "  - **Task ID**: `architecture-refactor-1.1`"],
      expected: {
        dependencies: ["1.1"],
        details: ["  - _Estimated: 2 days_", "  - _Status: Backend ready, UI components missing_", "  - **Task ID**: `architecture-refactor-1.1`"],
      },
    },
  ];
  for (const c of cases) {
    test(`${c.n}. ${c.lines[0]?.trim()}`, () => {
      expect(fields(...c.lines)).toMatchObject(c.expected);
    });
  }

  test("a requirements value continued on the next line is read whole", () => {
    expect(fields("  - _Requirements: 3.1–3.3, 4.1–4.3,", "    9.1–9.2, 10.1–10.2_", "  - Verify: green")).toEqual({
      requirements: ["3.1–3.3", "4.1–4.3", "9.1–9.2", "10.1–10.2"],
      writes: [],
      reads: [],
      dependencies: [],
      details: ["  - Verify: green"],
    });
  });

  test("other spellings of the requirements key", () => {
    expect(fields("  - **Requirements**: 1.1", "  - Requirements: 2.2", "  - *Requirements: 3.3*").requirements).toEqual(["1.1", "2.2", "3.3"]);
  });
});

describe("Part 2: dependencies written in a task", () => {
  const deps = (line: string): { dependencies: string[]; details: string[] } => {
    const t = task(parse(md("- [ ] 1. One", "- [ ] 2. Two", line)), "2");
    return { dependencies: t.dependencies, details: t.details };
  };
  const cases: { line: string; dependencies: string[]; kept: boolean }[] = [
    { line: "  - _Depends on: 1_", dependencies: ["1"], kept: false },
    { line: "  - _Dependencies: [1.1, 1.2]_", dependencies: ["1.1", "1.2"], kept: false },
    { line: "  - depends on: 1, 2", dependencies: ["1", "2"], kept: false },
    { line: "  - _Depends: 3_", dependencies: ["3"], kept: false },
    { line: "  - _Depends on: task-3, task_4, Task 5_", dependencies: ["3", "4", "5"], kept: false },
    { line: "  - _Depends on: none_", dependencies: [], kept: true },
    { line: "  - Depends on: the SDK being installed", dependencies: [], kept: true },
    { line: "  - This depends on the SDK", dependencies: [], kept: true },
    { line: "  - Constructor dependencies: userRepository, cache", dependencies: [], kept: true },
  ];
  for (const c of cases) {
    test(c.line.trim(), () => {
      expect(deps(c.line)).toEqual({ dependencies: c.dependencies, details: c.kept ? [c.line] : [] });
    });
  }
});

describe("Part 1: around the tasks (variations 39-47)", () => {
  test("39. checkpoint tasks are ordinary tasks, also as sub-tasks", () => {
    const parsed = parse(md("- [ ] 1. Core", "- [ ] 1.7 Checkpoint - Ensure all tests pass", "- [ ] 8. Checkpoint - Ensure all tests pass"));
    expect(outline(parsed)).toEqual(["1 ^- [ ] Core", "1.7 ^1 [ ] Checkpoint - Ensure all tests pass", "8 ^- [ ] Checkpoint - Ensure all tests pass"]);
  });

  test("40. phase headings between tasks end the details and name no group", () => {
    const parsed = parse(md("- [x] 4. Four", "  - detail", "## Phase 2: Domain Layer Implementation", "Intro prose.", "- [ ] 5. Five"));
    expect(parsed.groups).toEqual([]);
    expect(task(parsed, "4").details).toEqual(["  - detail"]);
    expect(task(parsed, "5").details).toEqual([]);
  });

  test("41. headings used as the parent task: ### 1., ## Task 2:", () => {
    const parsed = parse(md("### 1. 型定義とインターフェースの実装", "- [ ] 1.1 型", "## Task 2: Value Object Property Tests", "- [ ] 2.1 Property test"));
    expect(parsed.groups.map((g) => [g.key, g.title, g.line, g.childKeys])).toEqual([
      ["1", "型定義とインターフェースの実装", 1, ["1.1"]],
      ["2", "Value Object Property Tests", 3, ["2.1"]],
    ]);
    expect(outline(parsed)).toEqual(["1.1 ^1 [ ] 型", "2.1 ^2 [ ] Property test"]);
  });

  test("41. a heading is no group when a task line has the ID", () => {
    const parsed = parse(md("## 1. Setup", "- [ ] 1. Create project", "- [ ] 1.1 Init"));
    expect(parsed.groups).toEqual([]);
    expect(task(parsed, "1.1").parentKey).toBe("1");
  });

  test("42. waves JSON block with integer and string IDs", () => {
    const parsed = parse(
      md(
        "## Task Dependency Graph",
        "```json",
        '{ "waves": [ { "wave": 0, "tasks": [0], "description": "Spike" }, { "id": 1, "tasks": ["2.1", "3.1"] } ] }',
        "```",
        "- [ ] 0. Spike",
      ),
    );
    expect(parsed.waves).toEqual([
      { id: "0", tasks: ["0"] },
      { id: "1", tasks: ["2.1", "3.1"] },
    ]);
  });

  test("42. an unreadable waves block is a warning", () => {
    const parsed = parse(md("```json", '{ "waves": [ oops ] }', "```", "- [ ] 1. One"));
    expect(parsed.waves).toEqual([]);
    expect(parsed.warnings[0]).toStartWith("tasks.md:1: waves block is not valid JSON");
  });

  test("43. a Success Criteria list before the tasks is ignored; acceptance items under a task are its checklist", () => {
    const parsed = parse(md("## Success Criteria", "- [ ] app.py < 100 lines", "## Tasks", "- [x] 1.1 Setup", "  - [ ] Create app/ directory"));
    expect(parsed.ignored).toEqual([{ line: 2, text: "- [ ] app.py < 100 lines", reason: 'under the heading "Success Criteria"' }]);
    expect(task(parsed, "1.1").checklist).toEqual([{ text: "Create app/ directory", done: false, line: 5 }]);
  });

  test("44. runs of blank lines do not reach the details' ends", () => {
    const parsed = parse(md("- [x] 1. One", "", "", "", "", "  - a", "", "", "  - b", "", "", "", "- [ ] 2. Two"));
    expect(task(parsed, "1").details).toEqual(["  - a", "", "", "  - b"]);
  });

  test("45. CRLF line endings", () => {
    const parsed = parse("- [ ] 1. One\r\n  - detail\r\n  - _Requirements: 1.1_\r\n");
    expect(parsed.eol).toBe("\r\n");
    expect(task(parsed, "1").title).toBe("One");
    expect(task(parsed, "1").details).toEqual(["  - detail"]);
    expect(task(parsed, "1").requirements).toEqual(["1.1"]);
  });

  test("46. prose, fenced code blocks (``` and ~~~) and a Notes section", () => {
    const parsed = parse(
      md("Intro prose.", "- [ ] 1. One", "  ```bash", "  - [ ] 9. not a task", "  ```", "~~~", "- [ ] 8. not a task either", "~~~", "## Notes", "- [ ] 7. a note, not a task"),
    );
    expect(parsed.tasks.map((t) => t.key)).toEqual(["1"]);
    expect(task(parsed, "1").details).toEqual(["  ```bash", "  - [ ] 9. not a task", "  ```", "~~~", "- [ ] 8. not a task either", "~~~"]);
    expect(parsed.ignored.map((i) => [i.line, i.reason])).toEqual([[10, 'under the heading "Notes"']]);
  });

  test("47. upper-case [X] ticks, as written in an archived spec (the folder's nesting changes nothing in the file)", () => {
    const parsed = parse(md("- [x] 9. Before", "- [X] 10. Final verification", "- [X] 10.1 Verify completeness", "  - detail", "- [X] 10.2 Performance", "- [ ] 11. After"));
    expect(parsed.tasks.filter((t) => t.mark === "X").map((t) => t.key)).toEqual(["10", "10.1", "10.2"]);
    expect(parsed.tasks.filter((t) => t.ticked).map((t) => t.key)).toEqual(["9", "10", "10.1", "10.2"]);
    expect(task(parsed, "10.2").parentKey).toBe("10");
  });
});

describe("Part 2: where tasks can be", () => {
  test("a BOM is dropped and line numbers stay 1-based", () => {
    const parsed = parse("\uFEFF- [ ] 1. One\n- [ ] 2. Two\n");
    expect(parsed.tasks.map((t) => [t.key, t.line, t.title])).toEqual([
      ["1", 1, "One"],
      ["2", 2, "Two"],
    ]);
  });

  test("HTML comments hide task lines, on one line or several", () => {
    const parsed = parse(md("<!-- - [ ] 1. hidden -->", "<!--", "- [ ] 2. hidden too", "-->", "- [ ] 3. Seen <!-- note -->", "  - keep `<!--` literal", "- [ ] 4. Also seen"));
    expect(parsed.tasks.map((t) => [t.key, t.title])).toEqual([
      ["3", "Seen"],
      ["4", "Also seen"],
    ]);
    expect(task(parsed, "3").details).toEqual(["  - keep `<!--` literal"]);
  });

  test("list markers -, * and + all make tasks", () => {
    expect(parse(md("- [ ] 1. Dash", "* [ ] 2. Star", "+ [ ] 3. Plus")).tasks.map((t) => t.key)).toEqual(["1", "2", "3"]);
  });

  const idCases: [string, string, string][] = [
    ["- [ ] 3. Title", "3", "Title"],
    ["- [ ] 3: Title", "3", "Title"],
    ["- [ ] 3 Title", "3", "Title"],
    ["- [ ] 2.1. Title", "2.1", "Title"],
    ["- [ ] **3.** Title", "3", "Title"],
    ["- [ ] **3**: Title", "3", "Title"],
    ["- [ ] **1. Bold Title**", "1", "**Bold Title**"],
    ["- [ ]* **4.** Optional bold", "4", "Optional bold"],
    ["- [ ] 7.", "7", ""],
  ];
  for (const [line, id, title] of idCases) {
    test(`ID and title of "${line}"`, () => {
      expect(parse(md(line)).tasks.map((t) => [t.id, t.title])).toEqual([[id, title]]);
    });
  }

  test("text that only starts with a number is not an ID", () => {
    const parsed = parse(md("- [ ] 1. One", "  - [ ] 3D model export", "  - [ ] 2.5x faster rendering"));
    expect(parsed.tasks.map((t) => t.key)).toEqual(["1"]);
    expect(task(parsed, "1").checklist.map((c) => c.text)).toEqual(["3D model export", "2.5x faster rendering"]);
  });
});

describe("Part 2: hierarchy comes from the ID", () => {
  test("indentation does not make a child: a top-level ID indented under a sub-task stays top-level", () => {
    const parsed = parse(md("- [ ] 1. One", "  - [ ] 1.1 Sub", "    - [ ] 2. Two, oddly indented"));
    expect(outline(parsed)).toEqual(["1 ^- [ ] One", "1.1 ^1 [ ] Sub", "2 ^- [ ] Two, oddly indented"]);
    expect(task(parsed, "1").childKeys).toEqual(["1.1"]);
  });

  test("sub-tasks whose parent ID nothing names stand alone", () => {
    const parsed = parse(md("### Phase 1: Foundation", "- [x] 1.1 Setup", "- [ ] 1.2 Modules"));
    expect(parsed.groups).toEqual([]);
    expect(parsed.tasks.map((t) => t.parentKey)).toEqual([null, null]);
  });

  test("a missing middle level attaches to the nearest named ancestor", () => {
    const parsed = parse(md("- [ ] 5. Five", "  - [ ] 5.2.1 Deep"));
    expect(task(parsed, "5.2.1").parentKey).toBe("5");
  });

  test("sub-tasks after a repeated parent ID belong to the latest one", () => {
    const parsed = parse(md("- [x] 8. First eight", "- [ ] 8. Second eight", "  - [ ] 8.1 Child"));
    expect(task(parsed, "8.1").parentKey).toBe("8#2");
    expect(task(parsed, "8#2").childKeys).toEqual(["8.1"]);
  });
});

describe("Part 2: details and checklists", () => {
  test("details are verbatim up to the next task line; a line indented under the parent goes back to it", () => {
    const parsed = parse(
      md("- [ ] 0. Spike", "  Paragraph about the spike.", "  - [x] 0.1 First", "        continued first", "  - [ ] 0.2 Second", "  - Verify: notes exist; every", "    item updated.", "- [ ] 1. Next"),
    );
    expect(task(parsed, "0").details).toEqual(["  Paragraph about the spike.", "  - Verify: notes exist; every", "    item updated."]);
    expect(task(parsed, "0.1").details).toEqual(["        continued first"]);
    expect(task(parsed, "0.2").details).toEqual([]);
  });

  test("checkbox items before the first task and after a heading outside any task are ignored", () => {
    const parsed = parse(md("- [ ] Prerequisite", "- [ ] 1. One", "## External", "- [ ] Credentials configured", "  a. [ ] lettered"));
    expect(parsed.ignored.map((i) => [i.line, i.reason])).toEqual([
      [1, "checkbox item before the first task"],
      [4, "checkbox item outside any task"],
      [5, "checkbox item outside any task"],
    ]);
  });

  test("unnumbered items more indented than a task, or right after it, are its checklist", () => {
    const parsed = parse(md("- [x] 7.1 Manual testing", "", "  - [ ] Reset database", "- [ ] Run seed", "- [ ] 7.2 Next"));
    expect(task(parsed, "7.1").checklist.map((c) => c.line)).toEqual([3, 4]);
  });
});

describe("Part 2: files with no numbered task line", () => {
  test("items are tasks numbered N.1, N.2 under heading N, and the next free number elsewhere", () => {
    const parsed = parse(
      md(
        "- [x] Loose first item",
        "### 1. Set up Core Game Infrastructure - ✅ COMPLETE",
        "- [x] Define TypeScript interfaces",
        "  - [ ] nested item is a checklist",
        "- [ ] Implement Redux store",
        "### 3. Media Capture",
        "- [ ]* Optional item",
        "## Other",
        "- [ ] Loose after the groups",
        "## Notes",
        "- [ ] not a task",
      ),
    );
    expect(outline(parsed)).toEqual([
      "1 ^- [x] Loose first item",
      "1.1 ^1#2 [x] Define TypeScript interfaces",
      "1.2 ^1#2 [ ] Implement Redux store",
      "3.1 ^3 [ ]* Optional item",
      "4 ^- [ ] Loose after the groups",
    ]);
    expect(parsed.groups.map((g) => [g.key, g.id, g.childKeys])).toEqual([
      ["1#2", "1", ["1.1", "1.2"]],
      ["3", "3", ["3.1"]],
    ]);
    expect(task(parsed, "1.1").checklist.map((c) => c.text)).toEqual(["nested item is a checklist"]);
    expect(parsed.ignored.map((i) => i.line)).toEqual([11]);
  });

  test("a repeated heading number makes a second group with #2 keys", () => {
    const parsed = parse(md("### 9. Rewards", "- [ ] Design", "### 9. Rewards - NOT IMPLEMENTED", "- [ ] Design"));
    expect(parsed.groups.map((g) => g.key)).toEqual(["9", "9#2"]);
    expect(parsed.tasks.map((t) => [t.key, t.parentKey])).toEqual([
      ["9.1", "9"],
      ["9.1#2", "9#2"],
    ]);
    expect(parsed.warnings).toHaveLength(1);
  });
});

describe("performance", () => {
  test("a 200-task file parses in well under 1 ms per task", () => {
    const lines: string[] = ["# Implementation Plan", ""];
    for (let n = 1; n <= 50; n++) {
      lines.push(`- [ ] ${n}. Parent ${n}`, `  - Prose for ${n}`);
      for (let s = 1; s <= 3; s++) lines.push(`  - [ ]* ${n}.${s} Child ${s}`, "    - step one", "    - step two", `    - _Requirements: ${n}.${s}_`, "");
    }
    const text = md(...lines);
    parse(text);
    const started = performance.now();
    const parsed = parse(text);
    const elapsed = performance.now() - started;
    expect(parsed.tasks).toHaveLength(200);
    expect(elapsed).toBeLessThan(50);
  });
});

describe("real specs no test had seen (minimal inputs)", () => {
  const units = (text: string, options: PlanOptions = {}) => planUnits(parse(text), options).units.map((u) => `${u.key}[${u.subtasks.map((t) => t.key).join(",")}]`);

  test.each([
    ["验收标准"], ["成功标准"], ["受け入れ基準"], ["チェックリスト"], ["수락 기준"], ["체크리스트"], ["Criterios de aceptación"], ["Criterios de éxito"],
    ["Akzeptanzkriterien"], ["Definition of Done"], ["Critères d'acceptation"], ["Critères de succès"], ["Critérios de aceitação"], ["Definição de pronto"],
    ["Критерии приёмки"], ["Чек-лист"], ["Future work"], ["Trabajo futuro"], ["Zukünftige Arbeiten"], ["Travaux futurs"], ["Post-MVP"], ["今後の作業"], ["향후 작업"],
  ])("a checklist under `## %s` is never a unit, in a numbered file or not", (heading) => {
    const numbered = parse(md("- [ ] 1. Build", `## ${heading}`, "- [ ] crit 1", "- [ ] crit 2"));
    expect(numbered.tasks.map((t) => t.key)).toEqual(["1"]);
    expect(numbered.ignored.map((i) => i.reason)).toEqual([`under the heading "${heading}"`, `under the heading "${heading}"`]);
    const unnumbered = parse(md("# Tasks", "- [ ] Build", `## ${heading}`, "- [ ] crit 1"));
    expect(unnumbered.tasks.map((t) => t.title)).toEqual(["Build"]);
  });

  test("`## Tasks` and other headings in those languages still hold tasks", () => {
    for (const heading of ["任务", "タスク", "작업 목록", "Tareas", "Aufgaben", "Implementation Plan", "Acceptance Testing"]) {
      expect(parse(md(`## ${heading}`, "- [ ] 1. Build")).tasks.map((t) => t.key)).toEqual(["1"]);
    }
  });

  test("14a.1 and 14a.2 are sub-tasks of 14a (plan and leaf plan)", () => {
    const text = md("- [ ] 14a. X", "  - [x] 14a.1 a", "  - [ ] 14a.2 b");
    expect(outline(parse(text))).toEqual(["14a ^- [ ] X", "14a.1 ^14a [x] a", "14a.2 ^14a [ ] b"]);
    expect(units(text)).toEqual(["14a[14a.2]"]);
    expect(units(text, { granularity: "leaf" })).toEqual(["14a.1[]", "14a.2[]"]);
  });

  test("2.1b (letter at the end, then white space) is a sub-task when 2.1 or 2.1a is there too", () => {
    const text = md("- [ ] 2. X", "  - [ ] 2.1 a", "  - [ ] 2.1b b", "  - [ ] 2.1b.1 c");
    expect(outline(parse(text))).toEqual(["2 ^- [ ] X", "2.1 ^2 [ ] a", "2.1b ^2 [ ] b", "2.1b.1 ^2.1b [ ] c"]);
    expect(units(text, { granularity: "leaf" })).toEqual(["2.1[]", "2.1b.1[]"]);
    expect(outline(parse(md("- [ ] 2. X", "  - [ ] 2.1a a", "  - [ ] 2.1b b")))).toEqual(["2 ^- [ ] X", "2.1a ^2 [ ] a", "2.1b ^2 [ ] b"]);
    expect(outline(parse(md("- [ ] 2a.1b. X", "- [ ] 3a: Y")))).toEqual(["2a.1b ^- [ ] X", "3a ^- [ ] Y"]);
  });

  test("a lone `2.5x faster` stays a checklist item; `## 3D Rendering` is no numbered heading", () => {
    const parsed = parse(md("- [ ] 2. Speed", "  - [ ] 2.5x faster rendering", "## 3D Rendering", "- [ ] 3. Scene"));
    expect(parsed.tasks.map((t) => t.key)).toEqual(["2", "3"]);
    expect(task(parsed, "2").checklist.map((c) => c.text)).toEqual(["2.5x faster rendering"]);
    expect(parsed.groups).toEqual([]);
  });

  test("group headings in other languages and with a full-width colon make one unit of their items", () => {
    expect(units(md("## 任务 1：X", "- [ ] 1.1 a", "- [ ] 1.2 b"))).toEqual(["1[1.1,1.2]"]);
    expect(units(md("## Task 3：Z", "- [ ] 3.1 a", "- [ ] 3.2 b"))).toEqual(["3[3.1,3.2]"]);
    expect(units(md("## タスク 1:", "- [ ] 1.1 a", "- [ ] 1.2 b"))).toEqual(["1[1.1,1.2]"]);
    expect(units(md("## 任務2：Y", "- [ ] 2.1 a", "## Tarea 4: W", "- [ ] 4.1 a", "## Задача 5. V", "- [ ] 5.1 a"))).toEqual(["2[2.1]", "4[4.1]", "5[5.1]"]);
    const group = parse(md("## 任务 1：X", "- [ ] 1.1 a")).groups[0];
    expect([group?.id, group?.title, group?.line]).toEqual(["1", "X", 1]);
    expect(parse(md("## タスク 1:", "- [ ] 1.1 a")).groups[0]?.title).toBe("タスク 1:");
    expect(parse(md("## Tâche 6 : Déploiement", "- [ ] 6.1 a", "## Task 7 ： X", "- [ ] 7.1 a")).groups.map((g) => [g.id, g.title])).toEqual([
      ["6", "Déploiement"],
      ["7", "X"],
    ]);
  });

  test("`- 14a.1 Title` without a checkbox is listed as ignored, like `- 2.1 Title`", () => {
    expect(parse(md("- [ ] 1. One", "- 14a.1 No box")).ignored.map((i) => [i.line, i.reason])).toEqual([[2, "looks like a task but has no checkbox"]]);
  });

  test("a full-width colon ends a task line's ID too", () => {
    expect(outline(parse(md("- [ ] 1：建立项目", "  - [ ] 1.1：脚手架")))).toEqual(["1 ^- [ ] 建立项目", "1.1 ^1 [ ] 脚手架"]);
    expect(outline(parse(md("- [ ] 6 : Déployer", "  - [ ] 6.1 ： Script")))).toEqual(["6 ^- [ ] Déployer", "6.1 ^6 [ ] Script"]);
  });

  test("a dependency on an ID seqorch cannot read is a warning naming file and line, and is not waited for", () => {
    const parsed = parse(md("- [ ] 1. One", "- [ ] 2. Two", "  - detail", "  - _Depends on: T2.1, 1_", "- [ ] 3. Three", "  - _Depends on: #2 and step 1.x_"));
    expect(parsed.warnings).toEqual([
      'tasks.md:4: dependency "T2.1" of task 2 is not a task ID seqorch can read (like 2, 2.1 or 14a.1); it is not waited for',
      'tasks.md:6: dependency "#2" of task 3 is not a task ID seqorch can read (like 2, 2.1 or 14a.1); it is not waited for',
      'tasks.md:6: dependency "1.x" of task 3 is not a task ID seqorch can read (like 2, 2.1 or 14a.1); it is not waited for',
    ]);
    expect(task(parsed, "2").dependencies).toEqual(["1"]);
    expect(task(parsed, "3").dependencies).toEqual([]);
    expect(parse(md("- [ ] 1. One", "  - _Depends on: none_", "  - _Depends on: the SDK, Task 1_")).warnings).toEqual([]);
    expect(task(parse(md("- [ ] 14a. One", "- [ ] 2. Two", "  - _Depends on: task-14a, 14a.1_")), "2").dependencies).toEqual(["14a", "14a.1"]);
  });
});

describe("one pass and the whole-file parse", () => {
  // parseTasks reads most files in one pass (each line handed on as it is classified) and falls back to the
  // whole-file parse for candidates; both must make the same TasksFile of any text.
  const texts: [string, string][] = [
    ["numbered, with details and key lines", md("# Plan", "", "- [ ] 1. One", "  - [ ] 1.1 Sub", "    - Detail", "    - _Requirements: 1.1, 2_", "- [x] 2. Two", "  _Depends on: 1_")],
    ["checkbox items before the first task (held back, then ignored)", md("- [ ] loose item", "## Notes", "- [ ] note", "- [ ] 1. First", "  - [ ] check")],
    ["no numbered task line (held to the end: items numbered by position)", md("### 3. Group", "- [ ] first", "  - [ ] its check", "- [ ] second", "## Success Criteria", "- [ ] criterion")],
    ["a candidate (whole-file parse)", md("- [ ] 2.1 Base", "- [ ] 2.1b Variant", "- [ ] 2.5x faster")],
    ["fences, comments and CRLF", "- [ ] 1. A\r\n  ```\r\n  - [ ] 9. not a task\r\n  ```\r\n<!-- - [ ] 8. hidden -->\r\n- [ ] 2. B\r\n"],
    ["headings as groups and a repeated ID", md("## 1. Setup", "- [ ] 1.1 Init", "- [ ] 1.1 Again", "### 2. Build", "- [ ] 2.1 Compile", "- [ ] 2.1.1 Deep")],
  ];
  for (const [name, text] of texts) {
    test(name, () => {
      expect(parseTasks(text, "tasks.md")).toEqual(parseWholeFile(text, "tasks.md"));
    });
  }

  test("a task's lists are its own: what one task gets never shows in another's", () => {
    const parsed = parse(md("- [ ] 1. One", "- [ ] 2. Two", "  - detail of two", "  - _Requirements: 7_", "- [ ] 3. Three"));
    expect(task(parsed, "1").details).toEqual([]);
    expect(task(parsed, "2").details).toEqual(["  - detail of two"]);
    expect(task(parsed, "2").requirements).toEqual(["7"]);
    expect(task(parsed, "3").requirements).toEqual([]);
    expect(task(parsed, "1").childKeys).toEqual([]);
  });
});
