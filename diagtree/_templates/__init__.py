"""The script template language, below the stages that use it (like `_expr`, the condition
language): jinja2 in a sandbox with strict undefined.

- `sandbox`: the `SandboxedEnvironment` per locale that every template parses and renders in;
- `filters`: `time` (13:00), `date` (2027年3月31日 / 31 March 2027), `datetime`, `money`
  (12.40元 / CNY 12.40), `hours`;
- `limits`: nesting and size refused at load, output, strings, integers, loops and time bounded
  at render (docs/authoring.md, "Limits");
- `analysis`: what a text reads, or why it is refused, without compiling it (loading, lint);
- `render`: compiling once on first use and rendering under the time budget, every time shown
  in the complaint's UTC offset.

The check stage reads scripts files with it (`_check.scripts`); the conclude stage renders.
"""
