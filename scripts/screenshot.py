"""Screenshot a page of a running Waybill in headless Chromium, optionally signed in.

python scripts/screenshot.py http://127.0.0.1:8000/ /tmp/home.png --login dispatcher
"""

from __future__ import annotations

import argparse
from urllib.parse import urljoin

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--disable-background-networking", "--disable-component-update", "--no-first-run"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--login", help="demo username (password waybill-demo)")
    parser.add_argument("--password", default="waybill-demo")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--full-page", action="store_true")
    parser.add_argument("--wait-ms", type=int, default=500)
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        if args.login:
            page.goto(urljoin(args.url, "/accounts/login/"))
            page.fill("#id_username", args.login)
            page.fill("#id_password", args.password)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
        page.goto(args.url)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(args.wait_ms)
        page.screenshot(path=args.out, full_page=args.full_page)
        browser.close()
    print(args.out)


if __name__ == "__main__":
    main()
