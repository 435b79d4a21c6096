"""``python -m demo.site``: the demo site in its own process (see ``serve(process=True)``)."""

from demo.site.cli import demo_site

if __name__ == "__main__":
    demo_site.main(prog_name="python -m demo.site")
