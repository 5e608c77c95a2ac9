"""ipywidgets' answer to a page's `request_states`, built in one pass over the widgets.

Why: ipywidgets 8.1.9 (`Widget._handle_control_comm_msg`) first builds every widget's embed state
and throws it away, then builds every state again for the reply: twice the work in each kernel
for each learner who opens a page, all at the moment a class arrives. The reply is the same
message, byte for byte (tests/test_widgets.py compares it with ipywidgets' own).
"""

from __future__ import annotations

from typing import Any

from ipywidgets.widgets import widget as _widget

_ORIGINAL = _widget.Widget.__dict__["_handle_control_comm_msg"]


def _handle_control_comm_msg(cls: type[_widget.Widget], msg: dict[str, Any]) -> None:
    if cls._control_comm is None or msg["content"]["data"].get("method") != "request_states":
        return _ORIGINAL.__func__(cls, msg)  # errors and other methods exactly as ipywidgets has them
    full_state = {
        widget.model_id: {
            "model_name": widget._model_name,
            "model_module": widget._model_module,
            "model_module_version": widget._model_module_version,
            "state": widget.get_state(drop_defaults=False),
        }
        for widget in _widget._instances.values()
    }
    full_state, buffer_paths, buffers = _widget._remove_buffers(full_state)
    cls._control_comm.send(
        {"method": "update_states", "states": full_state, "buffer_paths": buffer_paths}, buffers=buffers
    )
    return None


def install() -> None:
    """Use the one-pass answer for every control comm opened from now on (idempotent)."""
    _widget.Widget._handle_control_comm_msg = classmethod(_handle_control_comm_msg)


def uninstall() -> None:
    """ipywidgets' own answer again (for comparing the two)."""
    _widget.Widget._handle_control_comm_msg = _ORIGINAL
