"""``python -m searchops.demosite``: the demo site in its own process (see ``serve(process=True)``)."""

from searchops.demosite.cli import demo_site

if __name__ == "__main__":
    demo_site.main(prog_name="python -m searchops.demosite")
