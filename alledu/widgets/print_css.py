"""Printing a lesson: a print stylesheet and a print-only copy of a panel's result.

Why: a teacher prints a lesson for a ward round or a learner keeps it on paper. Voila and
JupyterLab lay the page out as an app - a shell as tall as the window with its own scroll
box and hidden overflow - so the browser printed one truncated page. On paper the page must
run to its full length, controls that cannot be used there (sliders, buttons, drop-down
arrows) go, the values entered stay as text, and the panel's plain-text result, its safety
notes, the references and the educational-use notice are all printed.
"""

from __future__ import annotations

import html
import re
from typing import Any

import ipywidgets as W

from alledu.content_loader import content

PRINT_ONLY = "alledu-print-only"
SCREEN_ONLY = "alledu-screen-only"  # a line that speaks of the screen ("press Prepare downloads")

# The Lab shell's boxes, positioned and sized by Lumino with inline styles (hence !important).
_SHELL = (
    "html, body, #main, .jp-LabShell, #jp-main-content-panel, #rendered_cells, .jp-Notebook, .jp-Cell, "
    # JupyterLab (self-study): dock and split panels, the notebook's windowed scroll box
    "#jp-main-split-panel, #jp-main-dock-panel, .lm-DockPanel-widget, .jp-NotebookPanel, "
    ".jp-WindowedPanel-outer, .jp-WindowedPanel-inner, .jp-WindowedPanel-viewport"
)
# Everything that may clip its content: output areas and widget boxes.
_BOXES = (
    ".jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output, .jp-Cell-outputWrapper, "
    ".jupyter-widgets, .widget-container, .widget-box, .widget-html, .widget-html-content"
)

PRINT_CSS = f"""
@media not print {{ .{PRINT_ONLY} {{ display: none !important; }} }}
@media print {{
  @page {{ size: A4; margin: 12mm; }}
  {_SHELL} {{
    position: static !important; display: block !important; height: auto !important;
    min-height: 0 !important; max-height: none !important; width: auto !important;
    overflow: visible !important; inset: auto !important; contain: none !important;
  }}
  {_BOXES} {{ height: auto !important; max-height: none !important; overflow: visible !important; }}
  .jp-OutputArea-child, .jp-OutputArea-output {{ display: block !important; width: auto !important; }}
  .jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output,
  .widget-box {{ break-inside: auto !important; }}
  .widget-box, .widget-html, .widget-html-content, .alledu-page {{
    max-width: 100% !important; min-width: 0 !important;
  }}
  .widget-html-content {{ white-space: normal !important; line-height: 1.35 !important; }}  /* Lab: 28px lines */
  .jp-OutputPrompt, .jp-InputPrompt, .jp-Collapser, #jp-top-panel, #jp-menu-panel, .jp-SideBar,
  #jp-left-stack, #jp-right-stack, .lm-DockPanel-tabBar, .jp-Toolbar, #jp-bottom-panel,
  .jp-CodeCell .jp-Cell-inputWrapper {{ display: none !important; }}
  .widget-box, .widget-hbox {{ flex-wrap: wrap !important; }}
  body {{ font-size: 11pt; background: #fff !important; }}
  * {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
  .alledu-bar {{ flex-wrap: wrap; background: #fff !important; color: #000 !important;
    border-bottom: 2px solid #0b3d63; }}
  .alledu-bar a, .alledu-bar-notice {{ color: #000 !important; }}
  /* controls that only work on a screen */
  button, .jupyter-button, .widget-button, .widget-toggle-button, .widget-upload,
  .widget-slider .slider-container, .widget-slider .slider, .noUi-target,
  /* the lessons' own sliders (slider.py): a range input printed as a lone blue thumb */
  .alledu-slider, input[type="range"], .{SCREEN_ONLY},
  /* the text check cell: the starting values, not what was set; the print-only block has those */
  .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"],
  .jp-OutputArea-output[data-mime-type="text/plain"],
  .modebar, .modebar-container,
  details:not([open]) {{ display: none !important; }}  /* folded extras (03's 22-column every-day table) */
  /* folded on screen to keep a phone's page short, printed open (03's "About the regimens shown") */
  details.alledu-fold, details.alledu-fold:not([open]) {{ display: block !important; }}
  details.alledu-fold::details-content {{ content-visibility: visible !important; display: block !important; }}
  details.alledu-fold > summary {{ list-style: none; }}
  .widget-toggle-buttons .jupyter-button.mod-active {{
    display: inline-block !important; border: none !important; background: none !important;
    box-shadow: none !important; color: #000 !important; font-weight: bold; padding: 0 !important;
  }}
  /* the values entered stay, as text */
  select, input:not([type="radio"], [type="checkbox"], [type="range"]), textarea, .widget-readout {{
    field-sizing: content; width: auto !important;
    appearance: none !important; -webkit-appearance: none !important; background: none !important;
    border: none !important; box-shadow: none !important; color: #000 !important; font-weight: bold;
  }}
  input::placeholder {{ color: transparent !important; }}
  .widget-radio-box label, .widget-checkbox label, .widget-label {{
    white-space: normal !important; overflow: visible !important; height: auto !important;
  }}
  .widget-dropdown, .widget-text, .widget-datepicker {{ width: auto !important; max-width: 100% !important; }}
  .widget-dropdown select {{ flex: 0 1 auto !important; max-width: none !important; }}
  input::-webkit-calendar-picker-indicator, input::-webkit-inner-spin-button {{ display: none !important; }}
  svg.alledu-chart {{ min-width: 0 !important; width: 100%; }}  /* the charts are SVG: they fit the page */
  .alledu-tip-hint {{ visibility: hidden !important; }}  /* "tap a bar" means nothing on paper */
  .alledu-safety, .alledu-notice, .alledu-warn, .alledu-error, .alledu-ok, table, tr, pre {{ break-inside: avoid; }}
  h1, h2, h3, h4 {{ break-after: avoid; }}
  /* a label and its value (a text box, a drop-down) on one sheet, never split across two */
  .widget-inline-hbox, .alledu-entry {{ break-inside: avoid !important; }}
  .alledu-table {{ font-size: 9pt; }}
  .{PRINT_ONLY} {{ display: block !important; }}
  .alledu-printout pre {{
    white-space: pre-wrap !important; word-break: normal !important; overflow-wrap: break-word !important;
    font-size: 10pt; border: 1px solid #999; padding: 6px;
  }}
}}
"""
PRINT_STYLE = f"<style>{PRINT_CSS}</style>"


def readable(text: str) -> str:
    """A summary as a reader says it: the regimen id heading a line becomes the regimen's short title."""
    regs = content().regimens
    if not regs:
        return text
    # only an id that starts a line ("inotuzumab: ..."), never a drug named inside a sentence
    pattern = re.compile(r"^(" + "|".join(map(re.escape, sorted(regs, key=len, reverse=True))) + r")\b", re.M)
    return pattern.sub(lambda m: regs[m.group(1)].short_title, text)


def print_summary(
    panel: Any, title: str = "Your inputs and results, as on screen when printed", text_of: Any = None
) -> W.HTML:
    """Append to `panel` a print-only block showing its `summary` trait (or `text_of()`), kept current.

    The hook a lesson panel calls once at the end of its constructor: on screen the block is
    hidden; on paper it carries the result the controls produced, as plain text.
    """
    box = W.HTML(layout=W.Layout(width="100%"))
    box.add_class(PRINT_ONLY)

    def render(*_: Any) -> None:
        text = readable(panel.summary if text_of is None else text_of())
        box.value = (
            f"<div class='alledu-printout'><h3>{html.escape(title)}</h3><pre>{html.escape(text)}</pre></div>"
            if text
            else ""
        )

    render()
    panel.observe(render, "summary")
    panel.children = (*panel.children, box)
    return box
