"""For tests that Ctrl-C a child process."""

import signal


def answer_ctrl_c() -> None:
    """Run in the child before it starts (``preexec_fn``): Ctrl-C acts again. A shell that starts pytest in the
    background makes its jobs ignore SIGINT, children inherit that, and Python then installs no KeyboardInterrupt
    handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
