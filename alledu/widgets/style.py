"""Page styles for phones, tablets and keyboard users, added to every lesson by `common.CSS`.

Why: the lessons are read on phones at the bedside and in class. ipywidgets lays controls out
in fixed-width rows (a label, then a 480-560 px dropdown) that push past a 390 px screen and
scroll sideways inside their boxes; tables and the timeline are wider still. These rules let
rows wrap into a column, keep every control inside the screen, and let wide tables scroll in
their own box (`common.table` wraps them in `.alledu-scroll`). The styles travel with the
widgets' HTML, so they apply alike in Voila and in JupyterLab; the narrow-screen rules switch on
up to 1024 px of window width (phones, and tablets in either orientation) and mostly act only
where a row does not fit (it wraps), so a desktop keeps its layout.

Focus: every control shows a thick ring when reached by keyboard (`:focus-visible`), dark on
white and white-on-dark around the blue primary buttons, so it stays visible on both (WCAG
2.2 focus appearance: at least 2 px, 3:1 against both neighbours).
"""

from __future__ import annotations

NARROW_MAX_PX = 1024  # phones and tablets: rows of controls wrap where they do not fit
CARDS_MAX_PX = 600  # phones: tables of long texts become one card per row

RESPONSIVE_CSS = f"""
<style>
.alledu-scroll {{ max-width: 100%; overflow-x: auto; }}
.alledu-scroll > table {{ margin: 0; }}
.widget-html-content details {{ max-width: 100%; overflow-x: auto; }}
details.alledu-fold > summary {{ cursor: pointer; }}
details.alledu-fold > summary > h3 {{ display: inline; }}  /* the heading beside the disclosure arrow */
.jupyter-widgets.alledu-wide {{ overflow-x: auto; overflow-y: hidden; }}
/* a full-width text or chart box keeps inside its column: 100% plus the widgets' 2px margins
   overflowed JupyterLab's output area by 4px */
.jupyter-widgets.widget-html {{ max-width: calc(100% - 4px); }}
.alledu-wide svg.alledu-chart {{ min-width: 640px; }}  /* readable labels: the box scrolls, not the page */
/* a timeline bar's details: shown under the axis while the bar is tapped, focused or pointed at
   (svg.py); one at a time, the hint line gives way to them */
.alledu-bar {{ cursor: pointer; outline: none; }}
.alledu-bar:focus > rect, .alledu-bar:focus > path {{ stroke: #000; stroke-width: 3px; }}
.alledu-bar:focus + .alledu-tip,
.alledu-chart:not(:focus-within) .alledu-bar:hover + .alledu-tip {{ visibility: visible; }}
.alledu-chart:focus-within .alledu-tip-hint,
.alledu-chart:has(.alledu-bar:hover) .alledu-tip-hint {{ visibility: hidden; }}
@media (max-width: {NARROW_MAX_PX}px) {{
  /* on a phone, drawn at its own scale so labels keep 11-15 px (640 px made them 7): the box scrolls */
  .alledu-wide svg.alledu-chart {{ min-width: 1000px; }}
  /* every widget box fits the screen: fixed widths (Layout(width=...)) become upper bounds */
  .jupyter-widgets, .jupyter-widgets.widget-box, .widget-inline-hbox, .widget-inline-vbox {{
    max-width: calc(100% - 4px); min-width: 0; box-sizing: border-box;  /* 4px: the widgets' 2px margins */
  }}
  .widget-box {{ overflow: visible; }}
  /* rows of controls stack into a column; a label goes above its control */
  .widget-hbox {{ flex-wrap: wrap; }}
  .widget-inline-hbox {{ flex-wrap: wrap; height: auto; }}
  .widget-inline-hbox > .widget-label {{ max-width: 100%; white-space: normal; text-align: left; }}
  .widget-dropdown > select, .widget-text > input, .widget-datepicker > input,
  .widget-textarea > textarea {{ min-width: 0; max-width: 100%; flex: 1 1 12em; }}
  .widget-toggle-buttons {{ flex-wrap: wrap; }}
  .widget-toggle-buttons .widget-toggle-button {{
    max-width: 100%; height: auto; min-height: 28px; white-space: normal;
  }}
  /* long answers wrap onto more lines (ipywidgets gives each a one-line fixed height) */
  .widget-radio, .widget-radio-box, .widget-checkbox {{ height: auto; }}
  .widget-radio-box label, .widget-checkbox label, .widget-checkbox .widget-label-basic {{
    white-space: normal; height: auto; line-height: 1.35; align-items: flex-start; margin: 4px 0;
  }}
  .widget-radio-box label {{ display: flex; flex-direction: row-reverse; justify-content: flex-end; }}
  .widget-radio-box label input, .widget-checkbox input {{ float: none; flex: none; height: auto; margin-top: 3px; }}
  .widget-hslider {{ width: 100% !important; }}
  .widget-html-content {{ max-width: 100%; overflow-wrap: break-word; }}  /* long words wrap; tables scroll */
  .widget-html-content pre {{ white-space: pre-wrap; }}
  /* the timeline keeps a readable width and scrolls inside its own box (the day-by-day table below
     it is the phone's agenda) */
  .alledu-page {{ font-size: 16px; }}
  /* cells keep a date or a dose on one or two lines; the table scrolls in its box instead */
  .alledu-table {{ font-size: 14px; }}
  .alledu-table th, .alledu-table td {{ padding: 3px 5px; min-width: 7.6em; line-height: 1.35; }}
  .alledu-table th:first-child, .alledu-table td:first-child {{ min-width: 0; }}
  /* a tap target of at least 44 px high (WCAG 2.5.5) for buttons */
  .jupyter-widgets.jupyter-button {{ min-height: 44px; height: auto; white-space: normal; }}
}}
/* phones: a table of long texts (common.table(cards=True)) becomes one card per row, each cell under
   its column's name, instead of five narrow columns many screens tall; paper keeps the table */
@media screen and (max-width: {CARDS_MAX_PX}px) {{
  .alledu-cards, .alledu-cards tbody, .alledu-cards tr, .alledu-cards td {{ display: block; }}
  .alledu-cards thead {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }}
  .alledu-cards tr {{ border: 1px solid #bbb; border-radius: 4px; margin: 0 0 10px 0; padding: 4px 8px; }}
  .alledu-table.alledu-cards td {{ min-width: 0; border: 0; padding: 2px 0; }}
  .alledu-cards td::before {{ content: attr(data-label); display: block; font-weight: bold; color: #333; }}
  .alledu-cards td ul {{ margin: 2px 0; padding-left: 20px; }}
}}
</style>
"""

A11Y_CSS = """
<style>
/* keyboard focus: a 3 px near-black ring, drawn inside the control, because widget boxes clip what
   sticks out of them; around the blue primary button a white ring inside it keeps it visible */
.jupyter-widgets :focus-visible, .jupyter-widgets:focus-visible, .alledu-scroll:focus-visible,
.widget-html-content a:focus-visible, .widget-html-content summary:focus-visible {
  outline: 3px solid #1a1a1a; outline-offset: -3px;
}
.jupyter-widgets.jupyter-button:focus-visible { outline: 3px solid #1a1a1a; outline-offset: -3px; }
.jupyter-widgets.jupyter-button.mod-primary:focus-visible, .jupyter-widgets.jupyter-button.mod-info:focus-visible {
  box-shadow: inset 0 0 0 6px #ffffff;
}
/* a radio button or checkbox is too small to ring: ring its whole answer line */
.jupyter-widgets input[type="radio"]:focus-visible, .jupyter-widgets input[type="checkbox"]:focus-visible {
  outline: none;
}
.widget-radio-box label:has(input:focus-visible), .widget-checkbox:has(input:focus-visible) {
  outline: 3px solid #1a1a1a; outline-offset: -3px; border-radius: 3px;
}
/* the question line (a Label focused after Check/Next): wraps instead of ending in "..." */
.jupyter-widgets.alledu-question {
  white-space: normal; overflow: visible; height: auto; line-height: 1.4; padding: 3px 5px;
}
.jupyter-widgets.alledu-question:focus { outline: none; }
.jupyter-widgets.alledu-question:focus-visible { outline: 3px solid #0072B2; outline-offset: -3px; }
.alledu-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
</style>
"""
