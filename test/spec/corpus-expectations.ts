// Hand-made expectations for every real spec in shared/kiro-corpus/.
//
// Written by reading each tasks.md and applying the rules of
// shared/reference/kiro-tasks-format.md, Part 2 -- NOT by running the parser.
// Do not change an entry just to make the parser pass: re-read the file first;
// the `evidence` line says which lines decide the count.
//
// Conventions used below:
// - `units` counts every dispatch unit, done or not, optional ones included.
// - `pending` counts units that are neither done nor optional.
// - A parent that is not ticked and has no non-optional sub-task is NOT done (so it is pending).
// - The sample sub-task list of a NOT-done unit holds its not-done, non-optional descendants;
//   that of a done unit holds all its descendants (optional ones included).

export interface CorpusExpectation {
  /** Corpus folder name. */
  folder: string;
  /** Total dispatch units, done or not (optional units included). */
  units: number;
  /** Units that are not done and not optional (what a run would dispatch). */
  pending: number;
  /** Key of the first unit in file order (null when the ID scheme is the parser's choice). */
  firstUnit: string | null;
  /** Key of the last unit in file order (null when the ID scheme is the parser's choice). */
  lastUnit: string | null;
  /** One unit and the keys of its sub-task list (null when the ID scheme is the parser's choice). */
  sample: { unit: string; subtasks: string[] } | null;
  /** How the numbers were counted. */
  evidence: string;
}

export const corpusExpectations: CorpusExpectation[] = [
  {
    folder: "aws-samples__sample-strands-agent-with-agentcore__env-consolidation",
    units: 3,
    pending: 1,
    firstUnit: "1",
    lastUnit: "3",
    sample: { unit: "2", subtasks: ["2.1", "2.2"] },
    evidence:
      "top-level 1,2,3 at lines 3,9,27; 2.1/2.2 at column 0 (lines 15,21) are children of 2 by ID; 1,2 ticked, 3 [ ] -> 1 pending",
  },
  {
    folder: "caraseli02__MoldovaDirect__admin-order-management",
    units: 18,
    pending: 0,
    firstUnit: "1",
    lastUnit: "17",
    sample: { unit: "8#2", subtasks: [] },
    evidence:
      "top-level 1..8 (l.5-59), second '8.' at l.69 = key 8#2, 9..17 (l.80-160) = 18 units, none has numbered children (the emoji items are checklists); 10,14,15,17 are [ ]\\* optional; the other 14 are ticked -> 0 pending",
  },
  {
    folder: "crawlins__kythira__alibaba-cloud-services",
    units: 12,
    pending: 9,
    firstUnit: "0",
    lastUnit: "11",
    sample: { unit: "0", subtasks: ["0.2", "0.3", "0.5"] },
    evidence:
      "top-level 0..11 (l.55-255); 0 is [ ] with 0.1 [x], 0.2 [~], 0.3 [ ], 0.4 [x], 0.5 [ ] (l.63-84) -> not done; 1,2,4 ticked (l.92,112,143) -> 12-3 = 9 pending; JSON waves in fence l.38-51",
  },
  {
    folder: "crawlins__kythira__coap-transport-libnyoci",
    units: 7,
    pending: 1,
    firstUnit: "1",
    lastUnit: "7",
    sample: { unit: "5", subtasks: ["5.3"] },
    evidence:
      "top-level 1..7 (l.31-283); 5 is [~] (l.152) with 5.1,5.2,5.2.1,5.4 [x] and 5.3 [ ] (l.244) -> not done, only not-done descendant 5.3; 5.2.1 (l.222) is a grandchild of 5; all others ticked -> 1 pending. '### Tasks 1-2:' headings name no single ID (and 1..7 have task lines anyway)",
  },
  {
    folder: "crawlins__kythira__gcp-cloud-services",
    units: 13,
    pending: 0,
    firstUnit: "1",
    lastUnit: "13",
    sample: { unit: "13", subtasks: [] },
    evidence: "top-level 1..13 at l.131-302, all [x], no sub-tasks; waves JSON inside fence l.80-125 -> 0 pending",
  },
  {
    folder: "crawlins__kythira__network-simulator",
    units: 26,
    pending: 0,
    firstUnit: "1",
    lastUnit: "26",
    sample: { unit: "23", subtasks: ["23.1", "23.2", "23.3", "23.4"] },
    evidence: "top-level 1..26 at l.9-555, every checkbox [x] (119), no optional markers -> 0 pending; 23 has 23.1-23.4 (l.485-504)",
  },
  {
    folder: "DavidMecalco__Quantum-Asset-IA__home-dashboard",
    units: 12,
    pending: 1,
    firstUnit: "1",
    lastUnit: "12",
    sample: { unit: "12", subtasks: ["12.1", "12.2"] },
    evidence:
      "top-level 1..12 (l.3-323); 2,4,5,6 are [ ] but all children [x] -> done; 11 ticked (children 11.1/11.2 optional); 12 [ ] with 12.1,12.2 [ ] (l.324,330) -> 1 pending",
  },
  {
    folder: "Essimbi__test_gateway_payment__multi-gateway-payment-support",
    units: 22,
    pending: 3,
    firstUnit: "1",
    lastUnit: "22",
    sample: { unit: "13", subtasks: ["13.1", "13.2", "13.3", "13.4", "13.5", "13.4#2", "13.6"] },
    evidence:
      "top-level 1..22 (l.9-376); 13 is [-] but its non-optional children 13.1-13.3 and the second 13.4 (l.231, key 13.4#2; first 13.4 at l.223 is optional) are [x] -> done, so sample lists all descendants; 20 and 22 are [ ] with only optional children -> not done; 21 [ ] standalone -> pending = 20,21,22",
  },
  {
    folder: "eunjeong0911__WaterSportsReco__user-authentication",
    units: 11,
    pending: 11,
    firstUnit: "1",
    lastUnit: "11",
    sample: { unit: "4", subtasks: ["4.1", "4.2", "4.3", "4.4"] },
    evidence:
      "no top-level task lines; '## N. ...' headings 1..11 (l.3-218) are groups of the flat N.M tasks; all 34 checkboxes [ ] -> 11 pending groups",
  },
  {
    folder: "eviordevelopments__backlog-pro-frontend__backlog-pro-system",
    units: 17,
    pending: 0,
    firstUnit: "1",
    lastUnit: "17",
    sample: { unit: "13", subtasks: ["13.1", "13.2", "13.3", "13.4"] },
    evidence:
      "top-level 1..17 (l.3-579), all ticked ([ ]* ones are optional children) -> 0 pending; 13 is done so all descendants incl. optional 13.3 (l.431)",
  },
  {
    folder: "FouadABT__kiroween-dashtact__customer-account-management",
    units: 4,
    pending: 2,
    firstUnit: "1",
    lastUnit: "4",
    sample: { unit: "3", subtasks: ["3.3", "3.4", "3.7"] },
    evidence:
      "top-level 1..4 (l.3,75,146,221), N.M at column 0; 1,2 ticked; 3 [ ] with 3.3,3.4,3.7 [ ] (3.6 optional) -> pending; 4 [-] with 4.3 [ ] (l.254) -> pending",
  },
  {
    folder: "FouadABT__kiroween-dashtact__dynamic-menu-management",
    units: 18,
    pending: 2,
    firstUnit: "1",
    lastUnit: "18",
    sample: { unit: "17", subtasks: ["17.1", "17.2"] },
    evidence:
      "top-level 1..18 (l.23-438); 15 is [x]* -> optional unit; 16 [ ] but only child 16.1 [x] -> done; 17 (l.421) and 18 (l.438) [ ] with [ ] children -> 2 pending",
  },
  {
    folder: "FouadABT__kiroween-dashtact__feature-flags-system",
    units: 8,
    pending: 2,
    firstUnit: "1",
    lastUnit: "8",
    sample: { unit: "8", subtasks: ["8.1", "8.2"] },
    evidence:
      "top-level 1..8 (l.3-351); 2 ticked (children 2.2-2.4 [ ] but parent done); 3 and 6 [-] with all children [x] -> done; 5 [-] with 5.2 [ ] (l.220) -> pending; 8 [ ] -> pending; unnumbered indented items under 7.x/8.x are checklists",
  },
  {
    folder: "fwextensions__sf-gov-companion__airtable-feedback-integration",
    units: 7,
    pending: 0,
    firstUnit: "1",
    lastUnit: "7",
    sample: { unit: "2", subtasks: ["2.1", "2.2", "2.3", "2.4", "2.5"] },
    evidence: "top-level 1..7 (l.3-121), tab-indented children; 1-4 ticked; 5,6,7 are [ ]* -> optional units -> 0 pending",
  },
  {
    folder: "fwextensions__sf-gov-companion__server-side-link-checking",
    units: 14,
    pending: 4,
    firstUnit: "1",
    lastUnit: "14",
    sample: { unit: "11", subtasks: ["11.1"] },
    evidence:
      "top-level 1..14 (l.9-198), tab-indented children; 1-6,8,9,10,12 ticked; 7 (l.109), 11 (l.172), 13 (l.188), 14 (l.198) [ ] -> 4 pending",
  },
  {
    folder: "imagineerings__xor__AGENTS-SPECS--godot-migration--editor-experience",
    units: 2,
    pending: 2,
    firstUnit: "1",
    lastUnit: "2",
    sample: { unit: "1", subtasks: [] },
    evidence: "two [ ] top-level tasks at l.21 and l.30, no sub-tasks -> 2 pending (task 1 has '_Depends on: none_', task 2 '_Depends on: 1_')",
  },
  {
    folder: "inakanou__ArchiTrack__site-survey",
    units: 39,
    pending: 0,
    firstUnit: "1",
    lastUnit: "39",
    sample: { unit: "33", subtasks: ["33.1", "33.2", "33.3", "33.4"] },
    evidence:
      "top-level 1..39 (l.22-925), N.M at column 0, '### Phase N' headings between tasks; all [x] -> 0 pending; the 2 unnumbered items at l.756-757 are task 33's checklist",
  },
  {
    folder: "JoEz89__Kiro-AutismCenter__autism-center-website",
    units: 21,
    pending: 1,
    firstUnit: "1",
    lastUnit: "21",
    sample: { unit: "21", subtasks: ["21.1", "21.2"] },
    evidence:
      "top-level 1..21 (l.3-517); 11,12 [ ] and 16 [-] but all children [x] -> done; 21 [-] with 21.1 [-], 21.2 [ ] (l.522,532) -> 1 pending; l.110 '- - [x] 5.3' (nested list marker) does not change any count",
  },
  {
    folder: "kingkw1__2Truths-1Lie__core-gameplay-flow",
    units: 15,
    pending: 5,
    firstUnit: null,
    lastUnit: null,
    sample: null,
    evidence:
      "no numbered task line; 15 '### N.' headings (1..8, 9 twice at l.74 and l.81, 10..14) each grouping unnumbered checkbox tasks (88 in all); groups 8,9,9(second),11,13 have [ ] items -> 5 pending. AMBIGUOUS: duplicate heading 9 read as two groups",
  },
  {
    folder: "llamojha__no-vibe-no-code-kiroween__idea-panel",
    units: 20,
    pending: 0,
    firstUnit: "1",
    lastUnit: "20",
    sample: { unit: "13", subtasks: ["13.1", "13.2", "13.3", "13.4"] },
    evidence: "top-level 1..20 (l.3-442); 16 is [ ]\\* (l.400) -> optional unit; the other 19 ticked -> 0 pending",
  },
  {
    folder: "llamojha__no-vibe-no-code-kiroween__rate-limiting-free-users",
    units: 24,
    pending: 0,
    firstUnit: "1",
    lastUnit: "24",
    sample: { unit: "16", subtasks: ["16.1", "16.2", "16.3", "16.4"] },
    evidence:
      "top-level 1..24 (l.5-429); 1..20 ticked (20's children are [x]\\*); 21,22,23,24 are [ ]\\* (l.360,387,413,429) -> optional units -> 0 pending",
  },
  {
    folder: "lostguk__vedma__user-authentication",
    units: 11,
    pending: 11,
    firstUnit: "1",
    lastUnit: "11",
    sample: { unit: "4", subtasks: ["4.1", "4.2", "4.3", "4.4", "4.5"] },
    evidence:
      "top-level 1..11 (l.3-207), N.M at column 0, all [ ] -> 11 pending (10 at l.183 has only optional children 10.1-10.3, not ticked -> still pending)",
  },
  {
    folder: "mathgallina__wiki-veloz__architecture-refactor",
    units: 24,
    pending: 22,
    firstUnit: "1.1",
    lastUnit: "8.3",
    sample: { unit: "1.3", subtasks: [] },
    evidence:
      "tasks 1.1..8.3 (3 per phase, l.22-355) have no parent task line and the '### Phase N: ...' headings are phase headings, not '### N. Title' -> 24 standalone units; 1.1,1.2 ticked -> 22 pending; ~200 unnumbered items are checklists / Success Criteria / DoD. AMBIGUOUS: a parser reading 'Phase N:' as naming N would get 8 groups, 7 pending",
  },
  {
    folder: "matrix4033__sjjt-dq__sankey-font-optimization",
    units: 10,
    pending: 2,
    firstUnit: "1",
    lastUnit: "10",
    sample: { unit: "9", subtasks: ["9.1", "9.2", "9.3"] },
    evidence: "CRLF; top-level 1..10 (l.3-158), N.M at column 0; 1-8 ticked; 9 (l.141) and 10 (l.158) [ ] with [ ] children -> 2 pending",
  },
  {
    folder: "MaximilianLS98__personal-finance-app__budget-management",
    units: 9,
    pending: 1,
    firstUnit: "1",
    lastUnit: "10",
    sample: { unit: "10", subtasks: ["10.1", "10.2"] },
    evidence:
      "top-level 1-5,7-10 (l.22-194); task 6 and 6.1/6.2 (l.114-124) use '[⏭️]', not a checkbox -> not tasks; 1-5,7-9 ticked; 10 [ ] -> 1 pending",
  },
  {
    folder: "mberjans__CAAIN_Soil_Hub_ChatGPT_Kiro__crop-variety-recommendations",
    units: 15,
    pending: 15,
    firstUnit: "1",
    lastUnit: "15",
    sample: { unit: "2", subtasks: ["2.1", "2.2", "2.3"] },
    evidence:
      "'### N. Title' headings 1..15 (l.10-318) are groups of flat N.M tasks, all [ ] -> 15 pending; 12 bold items under '## Definition of Done' (l.344-355) are not tasks",
  },
  {
    folder: "myakura__gloriosa__markdown-page-extractor",
    units: 6,
    pending: 0,
    firstUnit: "1",
    lastUnit: "6",
    sample: { unit: "3", subtasks: ["3.1", "3.2", "3.3", "3.4", "3.5"] },
    evidence: "top-level 1..6 (l.3-89), tab-indented children, all [x] -> 0 pending",
  },
  {
    folder: "RockyBoyRC__SpaceWeirdos___archived--v1.6-merge-import-export",
    units: 10,
    pending: 0,
    firstUnit: "1",
    lastUnit: "10",
    sample: { unit: "10", subtasks: ["10.1", "10.2", "10.3"] },
    evidence: "top-level 1..10 (l.9-328), N.M at column 0; 1-9 [x], 10 and 10.x [X] (l.328-341) -> 0 pending",
  },
  {
    folder: "Ryotaverse69__suptia-kiro__suptia-comparison-platform",
    units: 28,
    pending: 0,
    firstUnit: "1",
    lastUnit: "28",
    sample: { unit: "28", subtasks: [] },
    evidence:
      "top-level 1..28 (l.9-216), all [x], no sub-tasks; 19 unnumbered bold items under '## 実装チェックリスト' headings (l.251-281) are not tasks -> 0 pending",
  },
  {
    folder: "Toghrul1__fikirbiz__canva-ai-connector",
    units: 14,
    pending: 14,
    firstUnit: "1",
    lastUnit: "14",
    sample: { unit: "3", subtasks: ["3.1", "3.2"] },
    evidence: "top-level 1..14 (l.9-272), all [ ] -> 14 pending; 3 has 3.1,3.2 plus optional 3.3-3.5 (l.40-60); waves JSON in fence l.288-305",
  },
  {
    folder: "zxj6827111-blip__KIROGOVCOMPARE__gov-report-diff",
    units: 44,
    pending: 2,
    firstUnit: "1",
    lastUnit: "44",
    sample: {
      unit: "33",
      subtasks: ["33.1", "33.2", "33.3", "33.4", "33.5", "33.6", "33.7", "33.8", "33.9", "33.10"],
    },
    evidence:
      "top-level 1..44 (l.11-506); 7 (l.83) and 24 (l.303) are [ ] with only an optional child -> pending; rest ticked -> 2 pending; 5 unnumbered '检查点' items under '## 检查点' (l.514-534) are not tasks; 33 done -> all 10 [x]* children",
  },
];
