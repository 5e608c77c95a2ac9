"""The Voila application `alledu serve` runs: Voila plus admission control and kernel lifecycle.

Why a subclass and not only a config file: the cap on live kernels must answer *before* a
kernel starts (a friendly "class is full" page that retries by itself instead of a server
running out of memory), and the lesson page must set the `_xsrf` cookie that its close-tab
shutdown beacon carries (without it Voila refuses that shutdown with a 403 and every closed
tab leaks a kernel). Both live in the request handler; the kernel rules live in
`alledu.serve.kernels`. Run as `python -P -m alledu.serve.app` (`-P`: the current directory
is not put on sys.path, so a folder named `alledu` there cannot shadow the package).
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
import time
from typing import Any

import jinja2
import tornado.web
import voila.app as voila_app
from jupyter_core.utils import run_sync
from jupyter_server.auth.identity import PasswordIdentityProvider
from nbconvert.exporters.templateexporter import TemplateExporter
from traitlets import default
from voila.tornado.handler import TornadoVoilaHandler
from voila.voila_identity_provider import VoilaLoginHandler

from alledu.serve import compression, hardening, leftovers
from alledu.serve.kernels import ClassFull, ClassroomKernels

RETRY_SECONDS = 5
QUEUE_COOKIE = "alledu_queue"
_tickets = itertools.count(1)


def _kernel_manager_factory(base_class: type, preheat_kernel: bool, default_pool_size: int, **kwargs: Any) -> type:
    """Voila's pooled kernel manager with `ClassroomKernels` placed on top of it."""
    voila_class = _voila_factory(base_class, preheat_kernel, default_pool_size, **kwargs)
    return type("AlleduKernelManager", (ClassroomKernels, voila_class), {})


_voila_factory = voila_app.voila_kernel_manager_factory
voila_app.voila_kernel_manager_factory = _kernel_manager_factory


class SharedBytecode(jinja2.BytecodeCache):
    """Compiled page templates, shared by every lesson renderer in this server process.

    Why: Voila builds a new nbconvert exporter, hence a new Jinja environment, for every pooled
    kernel, and compiling the lab templates again each time was the largest piece of the
    server's own CPU during a pool refill (py-spy, 60-learner burst), competing with live
    learners on the event loop. Entries are checked against the template source's checksum.
    """

    def __init__(self) -> None:
        self.store: dict[tuple[str, bool], bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.store.get((bucket.key, bucket.environment.is_async))
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[(bucket.key, bucket.environment.is_async)] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedBytecode()
_create_environment = TemplateExporter._create_environment


def _environment_with_shared_code(self: TemplateExporter) -> jinja2.Environment:
    environment = _create_environment(self)
    environment.bytecode_cache = TEMPLATE_CODE
    return environment


TemplateExporter._create_environment = _environment_with_shared_code


class Waiting:
    """Learners turned away by the cap, first come first served (by a ticket cookie)."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}

    def position(self, ticket: int) -> int:
        """1 for the learner who is next; forgets learners who stopped retrying."""
        now = time.monotonic()
        for t, last in list(self.seen.items()):
            if now - last > 3 * RETRY_SECONDS:
                del self.seen[t]
        self.seen[ticket] = now
        return sorted(self.seen).index(ticket) + 1

    def waiting(self) -> int:
        """How many (still retrying) are in the queue."""
        now = time.monotonic()
        return sum(now - last <= 3 * RETRY_SECONDS for last in self.seen.values())

    def leave(self, ticket: int) -> None:
        self.seen.pop(ticket, None)


WAITING = Waiting()


class LessonHandler(TornadoVoilaHandler):
    """A lesson page: admitted under the kernel cap, else a page that retries by itself."""

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        _ = self.xsrf_token  # sets the _xsrf cookie that the close-tab shutdown beacon sends
        km = self.kernel_manager
        notebook = self.notebook_path or path
        if not self._is_lesson(notebook):  # before any place is reserved or queue ticket handed out
            raise tornado.web.HTTPError(404)
        ticket = self._ticket()
        slot: Any = contextlib.nullcontext()
        if hasattr(km, "admit") and notebook and notebook.endswith(".ipynb"):
            # places are kept for the learners ahead in the queue; anyone else gets in while there is room
            ahead = WAITING.position(ticket) - 1 if ticket is not None else WAITING.waiting()
            if not km.admit(notebook, keep=ahead):
                return self._wait_page(ticket, "full")
            if km.get_pool_size(notebook) > 0:  # a cold start is not held in line (it takes seconds)
                slot = km.pages.slot()
        if ticket is not None:
            WAITING.leave(ticket)
            self.clear_cookie(QUEUE_COOKIE)
        written = False
        try:
            async with slot:  # a few pages rendered at a time, as with websockets (`Arrivals`)
                async for html in self.get_generator(path=path):
                    written = True
                    self.write(html)
                    self.flush()
        except ClassFull:
            if written:
                raise
            self._wait_page(None, "full")
        except Exception:
            if written:
                raise
            self.log.exception("a lesson kernel failed to start")
            self._wait_page(None, "failed")

    def _is_lesson(self, notebook: str | None) -> bool:
        """Is this a notebook in the lessons folder? Asked before admission (issue 24): requests for
        lessons that do not exist used to reserve kernel places for 30 s and lock out the class."""
        if not notebook or not notebook.endswith(".ipynb"):
            return False
        try:
            return bool(self.contents_manager.file_exists(notebook))
        except Exception:  # a path outside the folder, or unreadable: not a lesson
            return False

    def _ticket(self) -> int | None:
        """The learner's place in the queue, from a cookie this server signed (a made-up one counts
        as none: it used to let a visitor jump the queue, issue 24)."""
        value = self.get_signed_cookie(QUEUE_COOKIE, max_age_days=1)
        text = value.decode("ascii", "replace") if value else ""
        return int(text) if text.isdigit() else None

    def _wait_page(self, ticket: int | None, why: str) -> None:
        """503 with Retry-After: the page reloads itself after RETRY_SECONDS."""
        from alledu.serve import suite_info

        if why == "full":
            if ticket is None:
                ticket = next(_tickets)
                self.set_signed_cookie(QUEUE_COOKIE, str(ticket), expires_days=None, httponly=True, samesite="Strict")
            position = WAITING.position(ticket)
        else:
            position = 0
        self.set_status(503)
        self.set_header("Retry-After", str(RETRY_SECONDS))
        self.set_header("Cache-Control", "no-store")
        self.finish(
            self.render_template(
                "alledu_wait.html", suite=suite_info(), why=why, position=position, retry=RETRY_SECONDS
            )
        )


class LearnerLogin(VoilaLoginHandler):
    """The page a learner sees without the class link: in a learner's words, in the suite's look.

    Why: jupyter_server's own login page tells a learner to run `jupyter server list`. Same
    form and checks (jupyter_server's), only the page differs: it says to ask the teacher for
    the link, and offers a box for the password the teacher may read out instead.
    """

    def get_template(self, name: str) -> jinja2.Template:
        if name == "login.html":
            return self.settings["voila_jinja2_env"].get_template("alledu_login.html")
        return super().get_template(name)

    @property
    def template_namespace(self) -> dict[str, Any]:
        from alledu.serve import suite_info

        return {**super().template_namespace, "suite": suite_info()}


class LearnerIdentity(PasswordIdentityProvider):
    """Voila's default identity provider (jupyter_server's password/token one), with the learner's
    login page (Voila passes its own login handler, so it is set here)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["login_handler_class"] = LearnerLogin
        super().__init__(**kwargs)


class AlleduVoila(voila_app.Voila):
    """Voila with `LessonHandler` serving the lessons and the learner's login page."""

    @default("identity_provider_class")
    def _learner_identity(self) -> type:
        return LearnerIdentity

    def start(self) -> None:
        """Remove what a killed server left in the temp folder (its owner gone), then serve."""
        for folder in leftovers.sweep(self.connection_dir_root or None):
            self.log.info("removed %s, left by a server that was killed", folder)
        super().start()

    def init_settings(self) -> dict:
        leftovers.mark(self.connection_dir)  # Voila made it just before; a kill -9 leaves it marked
        return super().init_settings()

    def stop(self) -> None:
        """Kernels first, then the folder of their connection files.

        Voila removes the folder first: stopped while kernels were still starting (a warm-up, a
        refill), a start wrote its file meanwhile, the removal failed ("Directory not empty") and
        Voila exited 1 without shutting any kernel down (seen in a CI run).
        """
        run_sync(self.kernel_manager.shutdown_all)()
        shutil.rmtree(self.connection_dir, ignore_errors=True)

    def init_handlers(self) -> list:
        """Voila's routes, behind the hardening routes and headers, with compression, and the
        lesson handler in place of Voila's (one subclass instead of patches of Voila's method)."""
        handlers = compression.add_to(self, hardening.add_to(self, super().init_handlers()))
        return [
            (rule[0], LessonHandler, *rule[2:]) if len(rule) > 1 and rule[1] is voila_app.TornadoVoilaHandler else rule
            for rule in handlers
        ]


main = AlleduVoila.launch_instance

if __name__ == "__main__":
    main()
