"""One template for the HTML preview and the PDF; the PDF made by WeasyPrint in a worker.

`render_letter_pdf` follows the clips pipeline: a lease in the database before
work starts, the output saved under a fixed storage name (a re-run replaces it),
and errors that may pass released for a retry.
"""

import base64
import logging
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.template.loader import render_to_string

from clips import pipeline
from clips.models import Still

from .models import TrajectLetter
from .services import content_of, missing_data

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


class _Rating:
    def __init__(self, data):
        self.label = data["label"]
        self.score = data["score"]


class FrozenGoal:
    """A goal from the letter's content, shaped for cases.charts.goal_chart (and its SVG template)."""

    def __init__(self, data, number):
        self.pk = f"{data['id']}"
        self.number = number
        self.description = data["description"]
        self.data = data

    def ratings_by_phase(self):
        def wrap(value):
            return _Rating(value) if value else None

        return {
            "baseline": wrap(self.data["baseline"]),
            "hoped_for": wrap(self.data["hoped_for"]),
            "end": wrap(self.data["end"]),
            "reviews": [_Rating(r) for r in self.data["reviews"]],
        }


def still_data_uri(still: Still) -> str | None:
    """The still's image read through the storage API, so the renderer never fetches a URL."""
    if not still.image:
        return None
    try:
        with still.image.storage.open(still.image.name, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def letter_context(
    letter: TrajectLetter,
    *,
    for_pdf: bool,
    show_images: bool = True,
    client_view: bool = False,
    download_url: str | None = None,
) -> dict:
    content = content_of(letter)
    left_out = set(content["left_out"])
    stills_by_id = {
        s.pk: s for s in Still.objects.filter(pk__in=[s["id"] for s in content["stills"]], clip__film__case=letter.case)
    }
    stills = []
    for number, item in enumerate(content["stills"], start=1):
        still = stills_by_id.get(item["id"])
        stills.append(
            {
                "number": number,
                "caption": item["caption"],
                "src": still_data_uri(still) if still and show_images else None,
                # Said on the page, so a supervisor knows why the picture is missing.
                "hidden": still is not None and not show_images,
            }
        )
    descriptions = content["descriptions"]
    return {
        "letter": letter,
        "content": content,
        "show": {key: key not in left_out for key, _ in TrajectLetter.SECTIONS},
        "goals": [FrozenGoal(g, n) for n, g in enumerate(content["goals"], start=1)],
        "descriptions": [
            ("How you described your child", descriptions.get("before_child"), descriptions.get("after_child")),
            (
                "How you described your relationship",
                descriptions.get("before_relationship"),
                descriptions.get("after_relationship"),
            ),
        ],
        "stills": stills,
        "missing": missing_data(content),
        "for_pdf": for_pdf,
        # The client's own page (letters.client_views): a download link, and nothing of the staff pages.
        "client_view": client_view,
        "download_url": download_url,
        "service_name": settings.VIG_SERVICE_NAME,
        "service_contact": settings.VIG_SERVICE_CONTACT,
    }


def css_string(text: str) -> str:
    """Text safe inside a double-quoted CSS string: anything but letters, digits and spaces becomes
    a CSS hex escape (its trailing space ends the escape and is consumed by the CSS parser), so no
    quote, backslash or '</style>' survives."""
    return "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text)


# The preview links this file (letters/static/letters/letter.css, and letter-screen.css for screens
# only); the PDF gets its text, so WeasyPrint never meets a rule it cannot read.
LETTER_CSS_PATH = Path(__file__).resolve().parent / "static" / "letters" / "letter.css"


def pdf_stylesheets() -> list:
    """The letter's stylesheet and the page footer naming the service, as strings: WeasyPrint fetches nothing."""
    from weasyprint import CSS

    footer = " · ".join(part for part in (settings.VIG_SERVICE_NAME, settings.VIG_SERVICE_CONTACT) if part)
    footer_css = '@page { @bottom-left { content: "' + css_string(footer) + '"; font-size: 8.5pt; color: #495057; } }'
    return [
        CSS(string=LETTER_CSS_PATH.read_text(encoding="utf-8"), url_fetcher=url_fetcher(), base_url=None),
        CSS(string=footer_css, url_fetcher=url_fetcher(), base_url=None),
    ]


def letter_html(letter: TrajectLetter, *, for_pdf: bool = False, show_images: bool = True, **client) -> str:
    """`client` (client_view, download_url) is for the client's page only."""
    return render_to_string(
        "letters/letter.html", letter_context(letter, for_pdf=for_pdf, show_images=show_images, **client)
    )


class FetchRefused(Exception):
    pass


def refuse_fetch(url, *args, **kwargs):
    """Nothing is ever fetched over a network or from a file: images come inline as data: URIs."""
    raise FetchRefused(f"the letter renderer fetches nothing ({url[:40]})")


def url_fetcher():
    """WeasyPrint's fetcher for the letter: only data: URIs (the stills we embedded), decoded in
    memory; every other URL (http, https, file, ftp…) is refused before any request is made."""
    from weasyprint.urls import URLFetcher

    class InlineOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith("data:"):
                refuse_fetch(url)
            return super().fetch(url, headers)

    return InlineOnlyFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}


def pdf_bytes(letter: TrajectLetter) -> bytes:
    from weasyprint import HTML

    html = HTML(string=letter_html(letter, for_pdf=True), url_fetcher=url_fetcher(), base_url=None)
    document = html.render(stylesheets=pdf_stylesheets(), **PDF_OPTIONS)
    # Metadata without personal data: the case reference only.
    document.metadata.title = f"Traject Letter {letter.case.reference}"
    document.metadata.authors = [settings.VIG_SERVICE_NAME]
    document.metadata.description = None
    document.metadata.keywords = []
    document.metadata.lang = "en-GB"
    return document.write_pdf(**PDF_OPTIONS)


def render_letter_pdf(letter_id: int) -> None:
    letter = pipeline.claim(TrajectLetter, letter_id, status_field="render_status")
    if letter is None:
        return
    if letter.attempts > MAX_ATTEMPTS:
        _fail(letter_id, f"The PDF could not be made after {MAX_ATTEMPTS} attempts.")
        return
    try:
        data = pdf_bytes(letter)
        with pipeline.scratch_folder() as work:
            path = Path(work) / "letter.pdf"
            path.write_bytes(data)
            pipeline.store(letter, "pdf", path, letter.pdf_storage_name())
        TrajectLetter.objects.filter(pk=letter_id).update(
            render_status=TrajectLetter.RenderStatus.READY, error="", lease_until=None
        )
    except pipeline.FilmGone:
        logger.info("letter %s was deleted during rendering", letter_id)
    except (OSError, DatabaseError) as exc:
        pipeline.release(TrajectLetter, letter_id)
        raise pipeline.TransientError(f"{type(exc).__name__}: {exc}") from exc
    except Exception:
        logger.exception("letter %s could not be rendered", letter_id)
        _fail(letter_id, "The PDF could not be made.")


def _fail(letter_id, message):
    TrajectLetter.objects.filter(pk=letter_id).update(
        render_status=TrajectLetter.RenderStatus.FAILED, error=message[:300], lease_until=None
    )
