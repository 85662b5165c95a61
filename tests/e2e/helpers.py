"""What journeys share: keyboard-only navigation and the axe-core accessibility check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA: what EU accessibility law points to, and a bit more.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
MAX_TABS = 80


def focused_description(page: Any) -> str:
    return str(
        page.evaluate(
            """() => { const el = document.activeElement;
                 if (!el || el === document.body) return '<body>';
                 const label = el.labels && el.labels[0] ? el.labels[0].textContent : '';
                 return `<${el.tagName.toLowerCase()}${el.id ? ' id=' + el.id : ''}> ` +
                        (el.getAttribute('aria-label') || label || el.textContent || el.value || '')
                          .trim().replace(/\\s+/g, ' ').slice(0, 60); }"""
        )
    )


def tab_to(page: Any, selector: str, *, backwards: bool = False, limit: int = MAX_TABS) -> None:
    """Press Tab (or Shift+Tab) until the element matching `selector` has focus, as a keyboard user would.

    Fails when it takes more than `limit` presses: an element the keyboard cannot reach is a bug.
    """
    key = "Shift+Tab" if backwards else "Tab"
    visited: list[str] = []
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
        visited.append(focused_description(page))
    raise AssertionError(f"{selector} not reached with {limit} × {key}; focus went: {visited}")


def assert_focus_visible(page: Any) -> None:
    """The focused element draws an outline (WCAG 2.4.7), not just the browser default being removed."""
    style = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                 return {style: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"""
    )
    where = focused_description(page)
    assert style["style"] != "none" and style["width"] >= 2, f"no visible focus indicator on {where}"


def run_axe(page: Any) -> list[dict[str, Any]]:
    """Inject axe-core into the page and return its WCAG A/AA violations."""
    # After a form submission the new document can be in the DOM before its stylesheet applies:
    # checking contrast then would judge the browser's default colours.
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """async (tags) => {
             const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                resultTypes: ['violations']});
             return r.violations.map(v => ({
               id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
               nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '),
                                                     html: n.html.slice(0, 200),
                                                     summary: n.failureSummary}))}));
           }""",
        WCAG_TAGS,
    )
    return list(result)


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    at {node['target']}: {node['html']}")
            lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
    return "\n".join(lines)


def assert_accessible(page: Any, what: str = "") -> None:
    violations = run_axe(page)
    assert not violations, f"axe found WCAG A/AA violations on {what or page.url}:\n" + format_violations(
        violations
    )
