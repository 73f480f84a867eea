"""Principle profile: how often each principle of attuned interactions was seen, for a set of clips.

"Tagged" means a `ClipTag`: a clip tagged with a principle, or with one of its
elements. Annotations (moments marked while watching) carry no principle, so
they do not count. A clip counts once for a principle however many of that
principle's elements it was tagged with: the profile says in how many clips
each principle was seen, out of all the clips.

Two queries, whatever the number of clips: the tags of the chosen clips
grouped by principle (through the index on `clips_cliptag.clip_id`), and the
six principles with the number of chosen clips.
"""

from dataclasses import dataclass

from django.db.models import Count, Func, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .models import Clip, ClipTag, Principle

# A principle seen in fewer than this share of the clips is marked as rarely seen.
RARELY_SEEN = 0.10

WIDTH = 520
ROW_HEIGHT = 26
TOP = 8
LABEL_WIDTH = 210
BAR_WIDTH = 220


@dataclass
class PrincipleCount:
    number: int
    name: str
    clips: int
    share: float
    rarely_seen: bool
    # Coordinates for the chart, as strings with one decimal (set by Profile.chart()).
    y: str = ""
    bar_y: str = ""
    bar_width: str = ""
    count_x: str = ""

    @property
    def in_words(self) -> str:
        note = " (not seen)" if self.clips == 0 else " (rarely seen)" if self.rarely_seen else ""
        return f"{self.name}: {self.clips} clip{'s' if self.clips != 1 else ''}{note}"


@dataclass
class Profile:
    total_clips: int
    principles: list[PrincipleCount]

    @property
    def most_seen(self) -> list[PrincipleCount]:
        top = max((p.clips for p in self.principles), default=0)
        return [p for p in self.principles if top and p.clips == top]

    @property
    def rarely_seen(self) -> list[PrincipleCount]:
        return [p for p in self.principles if p.rarely_seen]

    def chart(self) -> dict:
        """Everything the SVG template needs: one horizontal bar per principle, its count written beside it."""
        tallest = max((p.clips for p in self.principles), default=0)
        for i, p in enumerate(self.principles):
            y = TOP + ROW_HEIGHT * i
            bar_width = BAR_WIDTH * p.clips / tallest if tallest else 0
            p.y, p.bar_y, p.bar_width = f"{y:.1f}", f"{y + 4:.1f}", f"{bar_width:.1f}"
            p.count_x = f"{LABEL_WIDTH + 6 + bar_width + (6 if p.clips else 0):.1f}"
        return {
            "width": WIDTH,
            "height": TOP * 2 + ROW_HEIGHT * len(self.principles),
            "label_width": LABEL_WIDTH,
            "bar_left": LABEL_WIDTH + 6,
            "bar_height": ROW_HEIGHT - 8,
            "principles": self.principles,
            "description": f"Out of {self.total_clips} clip{'s' if self.total_clips != 1 else ''}: "
            + "; ".join(p.in_words for p in self.principles),
        }


def clips_of_cases(cases) -> QuerySet[Clip]:
    return Clip.objects.filter(film__case__in=cases.values("pk"))


def principle_profile(clips: QuerySet[Clip]) -> Profile:
    """Clips seen per principle, for any queryset of clips (two queries, whatever the number of clips)."""
    chosen = clips.order_by().values("pk")
    # Driven by the chosen clips (index on clips_cliptag.clip_id), not by all the tags of each principle.
    seen = dict(
        ClipTag.objects.filter(clip__in=chosen)
        .order_by()
        .values("principle")
        .annotate(n=Count("clip", distinct=True))
        .values_list("principle", "n")
    )
    # COUNT as a plain function: one row for all the chosen clips, with no GROUP BY.
    total = Clip.objects.filter(pk__in=chosen).order_by().values(n=Func("pk", function="COUNT"))
    rows = list(
        Principle.objects.order_by("number")
        .annotate(total=Coalesce(Subquery(total, output_field=IntegerField()), 0))
        .values("pk", "number", "name", "total")
    )
    total_clips = rows[0]["total"] if rows else 0
    return Profile(
        total_clips=total_clips,
        principles=[
            PrincipleCount(
                number=r["number"],
                name=r["name"],
                clips=seen.get(r["pk"], 0),
                share=seen.get(r["pk"], 0) / total_clips if total_clips else 0,
                rarely_seen=bool(total_clips) and seen.get(r["pk"], 0) < RARELY_SEEN * total_clips,
            )
            for r in rows
        ],
    )


def film_profile(film) -> Profile:
    return principle_profile(film.clips.all())


def case_profile(case) -> Profile:
    return principle_profile(Clip.objects.filter(film__case=case))
