// Lets TypeScript accept `import x from "./file.md" with { type: "text" }` (Bun embeds the file as a string).
declare module "*.md" {
  const text: string;
  export default text;
}
