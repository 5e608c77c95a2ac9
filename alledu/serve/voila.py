"""Voila configuration for `alledu serve` (traitlets config file; Voila loads it by name).

Why each setting:
- template `alledu`: lab look, shared header/footer, and no CDN links (offline hospital networks).
- preheat_kernel + pool of 1 per lesson: the first learners get a kernel that has already run.
- culling: a kernel idle for 30 minutes is shut down even if its tab is still open (a learner
  who closes the laptop must not hold a kernel forever); pooled kernels are never culled.
- no code from learners: Voila's own kernel manager admits only widget and kernel-info messages
  on a lesson's websocket (set in Voila's code, not here), so an `execute_request` is dropped;
  tests/test_served.py checks this against the running server.
- file allow/deny lists: only the lessons' own images can be downloaded, never .ipynb or .py.
"""

# ruff: noqa: F821  (`c` is injected by traitlets when it loads this file)
from alledu.serve import page_config_hook

c.VoilaConfiguration.template = "alledu"
c.VoilaConfiguration.classic_tree = True
c.VoilaConfiguration.theme = "light"
c.VoilaConfiguration.strip_sources = True
c.VoilaConfiguration.show_tracebacks = False
c.VoilaConfiguration.preheat_kernel = True
c.VoilaConfiguration.page_config_hook = page_config_hook
c.VoilaConfiguration.file_allowlist = [r"[^/]*\.(png|jpe?g|gif|svg|webp)$"]
c.VoilaConfiguration.file_denylist = [
    r".*\.(ipynb|py|pyc|yaml|yml|json|toml|cfg|ini|sh|txt|md|csv)$",
    r"(^|.*/)\..*",
    r".*__pycache__.*",
]
c.VoilaConfiguration.default_pool_size = 1  # preheated kernels per lesson; `alledu serve --pool N`
c.MappingKernelManager.cull_idle_timeout = 1800
c.MappingKernelManager.cull_interval = 60
c.MappingKernelManager.cull_connected = True
# tornado >= 6.5 cuts a ping timeout longer than the interval down to it (and warns): set what takes effect
c.Voila.tornado_settings = {"websocket_ping_interval": 30, "websocket_ping_timeout": 30}

# --- issue 8: kernel lifecycle for a class (alledu/serve/kernels.py, alledu/serve/app.py) ---
# IPC (unix sockets) for local kernels: simultaneous starts never race for free TCP ports
# ("Address already in use" froze the server in a 60-learner burst).
c.KernelManager.transport = "ipc"
# lesson kernels are forks of a warm template that has imported ipykernel, pandas and alledu
# (alledu/serve/forking.py): a kernel starts in ~0.3 s instead of ~1.5 CPU-s and shares those
# pages with its siblings. `alledu serve --no-fork` starts each kernel from scratch instead.
c.KernelProvisionerFactory.default_provisioner_name = "alledu-fork"
c.ClassroomKernels.connect_timeout = 45  # a learner's kernel never connected: culled within 50 s
c.ClassroomKernels.disconnect_grace = 60  # page gone without its close-tab shutdown (crash, sleep)
# c.ClassroomKernels.max_kernels: 0 = from available memory (alledu serve --max-kernels N)
# --- end issue 8 ---

# --- hardening (issue 10): websocket frame checks and limits, security headers, 404s --------
# Kept together and last, so it sees the settings above; why and what: alledu/serve/hardening.py
from alledu.serve import hardening  # noqa: E402

hardening.install(c)
# --- end hardening ----------------------------------------------------------------------------

# --- page weight (issue 9): gzip every text response: AlleduVoila.init_handlers adds it
# (alledu/serve/compression.py), as it adds hardening's routes and headers ---------------------
