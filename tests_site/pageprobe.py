"""Open one page of the site in Chromium with the network cut off and record what went wrong.

`open_page` blocks every request outside the local site, records console errors, page
errors, failed or 4xx/5xx local requests, waits until MathJax has typeset and the embedded
widgets have rendered, and returns the page with what it recorded.
"""
from dataclasses import dataclass, field

TIMEOUT_MS = 20_000

# JavaScript run in the page ------------------------------------------------------------
WAIT_FOR_MATHJAX = """async () => {
    if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) return false;
    await MathJax.startup.promise;
    return true;
}"""

# The text of the article without code and typeset math, hidden solutions opened: raw TeX
# (math MathJax did not typeset) would show here.
ARTICLE_PROSE = """() => {
    const article = document.querySelector('article') || document.body;
    const copy = article.cloneNode(true);
    copy.querySelectorAll('details').forEach(e => { e.open = true; });
    copy.querySelectorAll('pre, code, script, style, mjx-container, mjx-assistive-mml, '
                          + '.MathJax, textarea').forEach(e => e.remove());
    document.body.appendChild(copy);      // innerText needs a rendered element
    copy.style.position = 'absolute'; copy.style.left = '-99999px';
    const text = copy.innerText;
    copy.remove();
    return text;
}"""

MATH_COUNTS = """() => ({
    math: document.querySelectorAll('article .math, article div.math').length,
    typeset: document.querySelectorAll('article mjx-container').length,
})"""

UNDECODED_IMAGES = """async () => {
    const images = Array.from(document.images);
    images.forEach(img => { img.loading = 'eager'; });
    await Promise.all(images.map(img => img.decode().catch(() => null)));
    return images.filter(img => !(img.complete && img.naturalWidth > 0))
                 .map(img => img.id || (img.getAttribute('src') || '(no src)').slice(0, 80));
}"""

WIDGET_COUNTS = """() => ({
    views: document.querySelectorAll(
        'script[type="application/vnd.jupyter.widget-view+json"]').length,
    rendered: document.querySelectorAll('.jupyter-widgets.widget-container, '
        + '.jupyter-widgets.widget-inline-hbox, .jupyter-widgets.widget-inline-vbox, '
        + '.lm-Widget.jupyter-widgets').length
        + document.querySelectorAll('.cb-root').length,     // the anywidget explorers
})"""

ANIMATIONS = """() => Array.from(document.querySelectorAll('img[id^="_anim_img"]')).map(img => {
    const box = img.closest('.animation');
    return {
        id: img.id.slice('_anim_img'.length),
        buttons: box ? Array.from(box.querySelectorAll('button')).map(
            b => ({title: b.title, text: b.innerText.trim()})) : [],
        slider: box ? !!box.querySelector('input[type=range]') : false,
    };
})"""


@dataclass
class PageRecord:
    """What went wrong while a page loaded."""
    page: object
    url: str
    console_errors: list = field(default_factory=list)
    failed_requests: list = field(default_factory=list)
    blocked_requests: list = field(default_factory=list)
    timeouts: list = field(default_factory=list)


def open_page(browser, site_url, path, width=1200, height=900):
    """Load site_url + path with only the local site reachable; wait for math and widgets."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  service_workers="block")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    record = PageRecord(page=page, url=site_url + path)

    def route(route_):
        url = route_.request.url
        if url.startswith(site_url) or url.startswith(("data:", "blob:")):
            route_.continue_()
        else:
            record.blocked_requests.append(url)
            route_.abort("blockedbyclient")

    context.route("**/*", route)
    page.on("console", lambda msg: msg.type == "error" and record.console_errors.append(
        f"{msg.text} ({msg.location.get('url', '')}:{msg.location.get('lineNumber', '')})"))
    page.on("pageerror", lambda error: record.console_errors.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: request.url.startswith(site_url)
            and record.failed_requests.append(f"{request.url}: {request.failure}"))
    page.on("response", lambda response: response.status >= 400
            and record.failed_requests.append(f"{response.url}: HTTP {response.status}"))
    page.goto(record.url, wait_until="load")
    page.wait_for_load_state("networkidle")
    if page.evaluate("() => !!document.querySelector('article .math')"):
        _wait(record, "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
              "MathJax did not start")
        if not record.timeouts:
            page.evaluate(WAIT_FOR_MATHJAX)
    views = page.evaluate(WIDGET_COUNTS)["views"]
    if views:
        _wait(record, f"() => ({WIDGET_COUNTS})().rendered >= {views}",
              f"the {views} embedded widget views did not render")
    return record


def _wait(record, condition, problem):
    """Wait for a JavaScript condition; on timeout record the problem instead of raising."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    try:
        record.page.wait_for_function(condition, timeout=TIMEOUT_MS)
    except PlaywrightTimeout:
        record.timeouts.append(f"{problem} within {TIMEOUT_MS / 1000:.0f} s")


def close_page(record):
    record.page.context.close()
