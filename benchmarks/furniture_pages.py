"""Generated page furniture around real article texts, and formulaic template reports.

Two generators for evaluating furniture stripping and the template guard through the scan
pipeline (the evaluation itself lives elsewhere):

- :func:`make_site_templates` builds news sites, each with a fixed furniture style (header
  label and date format in one of the three Arabic month systems, dateline form, source and
  tag lines, a read-also block holding another real article, a 5-10 headline list, footers);
  :func:`wrap_page` wraps a real article body in one site's furniture. Two different
  articles wrapped by the same site share all of that furniture, so a pipeline that does not
  strip it sees them as near-duplicates.
- :func:`make_formulaic_reports` writes template texts (gold, oil, weather, market close,
  congratulation cables) with different figures, dates and names: siblings that must not be
  merged.

Real texts are read at run time from ``../shared/data`` and never stored in the repository.
All functions are pure given the seeded :class:`random.Random` they receive.

Usage::

    python -m benchmarks.furniture_pages [--seed 7]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from random import Random

from benchmarks._data import DATA, load_jsonl

__all__ = [
    "MONTHS",
    "SiteTemplate",
    "format_date",
    "load_real_articles",
    "make_formulaic_reports",
    "make_site_templates",
    "wrap_page",
]

#: Gregorian month names in the three Arabic systems (shared/reference/arabic-normalization.md):
#: Egypt/Sudan/Gulf ("standard"), Levant and Iraq (Syriac-derived), Morocco.
MONTHS: dict[str, tuple[str, ...]] = {
    "gulf": ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
             "أكتوبر", "نوفمبر", "ديسمبر"),
    "levant": ("كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول",
               "تشرين الأول", "تشرين الثاني", "كانون الأول"),
    "morocco": ("يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو", "يوليوز", "غشت", "شتنبر",
                "أكتوبر", "نونبر", "دجنبر"),
}  # fmt: skip
_WEEKDAYS = ("الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت")

# Furniture wordings, several per slot, with the spelling variants real sites use.
_HEADER_LABELS = ("آخر تحديث:", "نشر في:", "تاريخ النشر:", "اخر تحديث :", "نُشر بتاريخ", "")
_SOURCE_LINES = ("المصدر: {outlet}", "المصدر : {outlet}", "نقلا عن {outlet}", "نقلاً عن {outlet}",
                 "مصدر الخبر: {outlet}")  # fmt: skip
_TAG_LABELS = ("كلمات دلالية:", "الوسوم:", "الكلمات المفتاحية:", "وسوم:", "كلمات دلاليه:")
_READ_ALSO_LABELS = ("إقرأ أيضاً:", "اقرأ أيضا:", "اقرأ أيضاً", "شاهد أيضاً:", "طالع أيضا:",
                     "يهمك أيضا:")  # fmt: skip
_RELATED_LABELS = ("مقالات مشابهة", "أخبار ذات صلة", "مواضيع ذات صلة", "الأكثر قراءة",
                   "مقالات ذات صلة", "اخترنا لكم", "أخبار متعلقة", None)  # fmt: skip
_BULLETS = ("", "- ", "• ", "» ", "* ")
_FOOTERS = (
    ("شارك", "تويتر", "فيسبوك", "واتساب"),
    ("تابعونا على فيسبوك وتويتر", "جميع الحقوق محفوظة © {year} {outlet}"),
    ("شارك الخبر", "حقوق النشر محفوظة لـ{outlet} {year}"),
    ("تابعنا عبر تلغرام", "© {outlet} {year}. جميع الحقوق محفوظة"),
    ("شارك هذا المقال عبر:", "فيسبوك", "تويتر", "كل الحقوق محفوظة"),
)
_OUTLETS = ("شبكة أخبار العراق", "عين اليوم", "الخليج اليوم", "أخبار المغرب", "النهار الجديد",
            "بوابة الشرق", "صوت المدينة", "الوطن نيوز")  # fmt: skip
_AGENCIES = ("واس", "رويترز", "أ ف ب", "د ب أ", "أ ش أ", "قنا", "كونا", "الأناضول")
_CITIES = ("بغداد", "الرياض", "القاهرة", "الرباط", "عمان", "بيروت", "دبي", "جدة", "الدوحة",
           "تونس", "واشنطن", "لندن")  # fmt: skip
# Dateline forms: {city}, {outlet}, {agency}. Glued to the first sentence of the body.
_DATELINES = ("{city}/{outlet}-", "{city} - {agency}: ", "{city} ({agency}) - ", "({agency}) - ",
              "{city} – {agency}: ", "{outlet} – متابعات\n", "{city} - ")  # fmt: skip


@dataclass(frozen=True)
class SiteTemplate:
    """One news site's fixed furniture style.

    ``headlines`` and ``read_also_title``/``read_also_text`` come from real articles: every
    page of the site carries the same ones, as a "most read" box does.
    """

    name: str
    month_system: str
    header_label: str
    twelve_hour_clock: bool
    dateline: str
    source_line: str
    tag_label: str
    read_also_label: str
    read_also_title: str
    read_also_text: str
    related_label: str | None
    bullet: str
    headlines: tuple[str, ...]
    footer: tuple[str, ...]
    breadcrumb: bool


def format_date(rng: Random, month_system: str, *, twelve_hour_clock: bool) -> str:
    """A header timestamp: ``4 نونبر 2023 - 10:14 ص``, ``الأحد 5 تشرين الثاني 2023 15:40``."""
    day, month, year = rng.randint(1, 28), rng.randrange(12), rng.randint(2015, 2024)
    hour, minute = rng.randrange(24), rng.randrange(60)
    names = MONTHS[month_system]
    month_name = names[month]
    if month_system == "levant" and rng.random() < 0.4:
        month_name = f"{month_name}/{MONTHS['gulf'][month]}"  # pan-Arab "تشرين الثاني/نوفمبر"
    weekday = f"{rng.choice(_WEEKDAYS)} " if rng.random() < 0.5 else ""
    if twelve_hour_clock:
        clock = f"{(hour % 12) or 12}:{minute:02d} {'ص' if hour < 12 else 'م'}"
    else:
        clock = f"{hour:02d}:{minute:02d}"
    separator = rng.choice((" - ", " | ", " "))
    return f"{weekday}{day} {month_name} {year}{separator}{clock}"


def load_real_articles(limit: int = 2000) -> list[tuple[str, str]]:
    """(title, text) of real articles from ../shared/data (saudinewsnet, ant-multisource-2018).

    Texts between 300 and 3,000 characters with a title, in file order.
    """
    articles: list[tuple[str, str]] = []
    for folder in ("saudinewsnet", "ant-multisource-2018"):
        for row in load_jsonl(DATA / folder / "articles.jsonl"):
            title, text = (row.get("title") or "").strip(), (row.get("text") or "").strip()
            if title and 300 <= len(text) <= 3000 and len(title) < 90:
                articles.append((title, text))
            if len(articles) >= limit:
                return articles
    return articles


def make_site_templates(
    rng: Random, n: int, *, articles: Sequence[tuple[str, str]] | None = None
) -> list[SiteTemplate]:
    """``n`` sites, each with its own furniture style, read-also article and headline list.

    Parameters
    ----------
    rng
        Seeded generator; the same seed gives the same sites.
    n
        Number of sites.
    articles
        (title, text) pairs to draw the read-also article and headlines from; by default
        :func:`load_real_articles` reads them from ../shared/data.
    """
    pool = list(articles) if articles is not None else load_real_articles()
    if len(pool) < 11:
        raise ValueError(f"need at least 11 real articles for the furniture, got {len(pool)}")
    sites: list[SiteTemplate] = []
    for index in range(n):
        outlet = _OUTLETS[index % len(_OUTLETS)]
        picked = rng.sample(pool, rng.randint(6, 11))
        read_title, read_text = picked[0]
        sites.append(
            SiteTemplate(
                name=f"{outlet} {index}",
                month_system=("gulf", "levant", "morocco")[index % 3],
                header_label=rng.choice(_HEADER_LABELS),
                twelve_hour_clock=rng.random() < 0.5,
                dateline=rng.choice(_DATELINES),
                source_line=rng.choice(_SOURCE_LINES).format(outlet=outlet),
                tag_label=rng.choice(_TAG_LABELS),
                read_also_label=rng.choice(_READ_ALSO_LABELS),
                read_also_title=read_title,
                read_also_text=read_text,
                related_label=rng.choice(_RELATED_LABELS),
                bullet=rng.choice(_BULLETS),
                headlines=tuple(title for title, _ in picked[1:]),
                footer=tuple(
                    line.format(outlet=outlet, year=rng.randint(2015, 2024))
                    for line in rng.choice(_FOOTERS)
                ),
                breadcrumb=rng.random() < 0.3,
            )
        )
    return sites


def _tags(body: str, rng: Random) -> str:
    words = [w.strip('،.:؛"«»()') for w in body.split()]
    candidates = sorted({w for w in words if len(w) >= 5})
    chosen = rng.sample(candidates, min(len(candidates), rng.randint(3, 6)))
    return "، ".join(chosen)


def wrap_page(body: str, *, rng: Random, site: SiteTemplate) -> str:
    """``body`` (a real article text) wrapped in ``site``'s page furniture.

    The page: optional breadcrumb, a header timestamp, the body with a dateline glued to its
    first sentence, then source, tags, the read-also block (another whole article), the
    headline list and the footer.
    """
    lines: list[str] = []
    if site.breadcrumb:
        lines.append("الرئيسية » أخبار » " + rng.choice(("محليات", "عربي ودولي", "اقتصاد")))
    stamp = format_date(rng, site.month_system, twelve_hour_clock=site.twelve_hour_clock)
    lines.append(f"{site.header_label} {stamp}".strip())
    dateline = site.dateline.format(
        city=rng.choice(_CITIES), outlet=site.name.rsplit(" ", 1)[0], agency=rng.choice(_AGENCIES)
    )
    body_lines = [line.strip() for line in body.strip().splitlines() if line.strip()]
    body_lines[0] = dateline + body_lines[0]
    lines.extend("\n".join(body_lines).split("\n"))
    lines.append(site.source_line)
    lines.append(f"{site.tag_label} {_tags(body, rng)}")
    if site.read_also_label.endswith(":") and rng.random() < 0.5:
        lines.append(f"{site.read_also_label} {site.read_also_title}")
    else:
        lines.extend((site.read_also_label, site.read_also_title))
    lines.extend(line.strip() for line in site.read_also_text.splitlines() if line.strip())
    if site.related_label:
        lines.append(site.related_label)
    lines.extend(f"{site.bullet}{title}" for title in site.headlines)
    lines.extend(site.footer)
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Formulaic reports (templates written for this benchmark)

_GOLD = (
    "{trend} أسعار الذهب في المعاملات الفورية يوم {weekday} لتسجل {price} دولار للأوقية بحلول "
    "الساعة {clock} بتوقيت غرينتش، بعدما أغلقت عند {previous} دولار في الجلسة السابقة.\n"
    "وقال متعاملون إن تحركات الدولار وبيانات التضخم الأمريكية تظل العامل الأبرز في توجيه "
    "المعدن الأصفر خلال الأسبوع الجاري.\n"
    "وزادت الفضة {silver_change} بالمئة إلى {silver} دولار للأوقية، فيما سجل البلاتين {platinum} "
    "دولار للأوقية.\n"
    "وفي السوق المحلية بلغ سعر غرام الذهب عيار 21 نحو {local} {currency} في {city}."
)
_OIL = (
    "{trend} أسعار النفط في تعاملات يوم {weekday} {day} {month}، إذ سجل خام برنت القياسي "
    "{brent} دولار للبرميل بحلول الساعة {clock} بتوقيت غرينتش.\n"
    "وبلغ سعر خام غرب تكساس الوسيط الأمريكي {wti} دولار للبرميل، بتغير قدره {change} سنت عن "
    "سعر التسوية السابق.\n"
    "ويترقب المستثمرون بيانات المخزونات الأمريكية التي تصدر هذا الأسبوع، بعدما أنهت الأسعار "
    "الأسبوع الماضي على تغير بنسبة {weekly} بالمئة."
)
_WEATHER = (
    "توقعت الهيئة العامة للأرصاد الجوية أن يكون الطقس يوم {weekday} {day} {month} {tone} على "
    "معظم المناطق، مع فرصة لهطول أمطار رعدية على {region_a} و{region_b}.\n"
    "وتتراوح درجات الحرارة العظمى في {city_a} بين {t1} و{t2} درجة مئوية، وفي {city_b} بين {t3} "
    "و{t4} درجة مئوية.\n"
    "وتكون حركة الرياح السطحية على البحر الأحمر {wind_a} إلى {wind_b} بسرعة {w1} إلى {w2} "
    "كيلومترا في الساعة، وارتفاع الموج من {wave1} إلى {wave2} متر."
)
_MARKET = (
    "أغلق المؤشر العام لسوق {exchange} جلسة يوم {weekday} {trend} {points} نقطة أو ما نسبته "
    "{pct} بالمئة عند مستوى {level} نقطة، بتداولات بلغت قيمتها {value} مليار {currency}.\n"
    "وارتفعت أسهم {up} شركة فيما تراجعت أسهم {down} شركة، واستقرت أسهم {flat} شركات دون تغير.\n"
    "وتصدر سهم {stock_up} قائمة الأسهم الأكثر ارتفاعا بنسبة {s1} بالمئة، بينما كان سهم "
    "{stock_down} الأكثر تراجعا بنسبة {s2} بالمئة."
)
_CABLE = (
    "بعث {sender} برقية تهنئة إلى الرئيس {leader} رئيس {country} بمناسبة ذكرى {occasion} "
    "لبلاده.\n"
    "وأعرب في البرقية عن أصدق التهاني وأطيب التمنيات بالصحة والسعادة للرئيس {leader}، ولحكومة "
    "وشعب {country} الشقيق المزيد من التقدم والازدهار.\n"
    "كما بعث ولي العهد برقية تهنئة مماثلة للرئيس {leader} عبر فيها عن أبلغ التهاني لشعب "
    "{country}."
)
_TRENDS = ("ارتفعت", "تراجعت", "استقرت", "صعدت", "انخفضت")
_MARKET_TRENDS = ("مرتفعا", "منخفضا")
_EXCHANGES = (("الأسهم السعودية", "ريال"), ("دبي المالي", "درهم"), ("الكويت", "دينار"),
              ("الدار البيضاء", "درهم"), ("مسقط", "ريال"))  # fmt: skip
_STOCKS = ("أرامكو", "سابك", "الراجحي", "إعمار", "زين", "موبايلي", "الإنماء", "اتصالات",
           "معادن", "صافولا")  # fmt: skip
_REGIONS = ("جازان", "عسير", "الباحة", "نجران", "مكة المكرمة", "المدينة المنورة", "القصيم",
            "حائل", "تبوك", "الجوف")  # fmt: skip
_TONES = ("حارا", "شديد الحرارة", "معتدلا", "غائما جزئيا", "مغبرا")
_DIRECTIONS = ("شمالية", "جنوبية", "شرقية", "غربية", "شمالية غربية", "جنوبية شرقية")
_COUNTRIES = (
    ("الإكوادور", "رافائيل كوريا", "يوم الاستقلال"),
    ("سنغافورة", "توني تان", "اليوم الوطني"),
    ("تشاد", "إدريس ديبي", "يوم الاستقلال"),
    ("بيرو", "أولانتا هومالا", "العيد الوطني"),
    ("جامايكا", "باتريك ألين", "يوم الاستقلال"),
    ("كوريا", "بارك كون هيه", "العيد الوطني"),
    ("الأوروغواي", "تاباريه فاسكيز", "يوم الاستقلال"),
    ("الغابون", "علي بونغو", "العيد الوطني"),
    ("ماليزيا", "عبدالحليم معظم شاه", "اليوم الوطني"),
    ("بوليفيا", "إيفو موراليس", "يوم الاستقلال"),
    ("النيجر", "محمدو يوسفو", "يوم الاستقلال"),
    ("الهند", "براناب موخيرجي", "يوم الاستقلال"),
)
_SENDERS = ("خادم الحرمين الشريفين", "أمير دولة الكويت", "ملك البحرين", "رئيس دولة الإمارات")


def _clock(rng: Random) -> str:
    return f"{rng.randrange(24):02d}:{rng.randrange(60):02d}"


def _gold(rng: Random) -> str:
    price = rng.uniform(1200, 2100)
    currency = rng.choice(_EXCHANGES)[1]
    return _GOLD.format(
        trend=rng.choice(_TRENDS), weekday=rng.choice(_WEEKDAYS), price=f"{price:.2f}",
        clock=_clock(rng), previous=f"{price + rng.uniform(-30, 30):.2f}",
        silver_change=f"{rng.uniform(0.1, 2.5):.1f}", silver=f"{rng.uniform(14, 28):.2f}",
        platinum=f"{rng.uniform(800, 1100):.2f}", local=rng.randint(150, 260),
        currency=currency, city=rng.choice(_CITIES),
    )  # fmt: skip


def _oil(rng: Random) -> str:
    brent = rng.uniform(40, 95)
    return _OIL.format(
        trend=rng.choice(_TRENDS), weekday=rng.choice(_WEEKDAYS), day=rng.randint(1, 28),
        month=rng.choice(MONTHS[rng.choice(tuple(MONTHS))]), brent=f"{brent:.2f}",
        clock=_clock(rng), wti=f"{brent - rng.uniform(2, 7):.2f}", change=rng.randint(5, 190),
        weekly=f"{rng.uniform(0.2, 6):.1f}",
    )  # fmt: skip


def _weather(rng: Random) -> str:
    region_a, region_b = rng.sample(_REGIONS, 2)
    city_a, city_b = rng.sample(_CITIES[:9], 2)
    low, high = rng.randint(24, 34), rng.randint(38, 49)
    wind = rng.randint(10, 25)
    return _WEATHER.format(
        weekday=rng.choice(_WEEKDAYS), day=rng.randint(1, 28),
        month=rng.choice(MONTHS[rng.choice(tuple(MONTHS))]), tone=rng.choice(_TONES),
        region_a=region_a, region_b=region_b, city_a=city_a, city_b=city_b, t1=low, t2=high,
        t3=low + rng.randint(-4, 4), t4=high + rng.randint(-4, 2),
        wind_a=rng.choice(_DIRECTIONS), wind_b=rng.choice(_DIRECTIONS), w1=wind,
        w2=wind + rng.randint(10, 25), wave1=rng.choice(("نصف", "متر")),
        wave2=rng.choice(("متر ونصف", "مترين", "مترين ونصف")),
    )  # fmt: skip


def _market(rng: Random) -> str:
    exchange, currency = rng.choice(_EXCHANGES)
    stock_up, stock_down = rng.sample(_STOCKS, 2)
    return _MARKET.format(
        exchange=exchange, weekday=rng.choice(_WEEKDAYS), trend=rng.choice(_MARKET_TRENDS),
        points=f"{rng.uniform(5, 180):.2f}", pct=f"{rng.uniform(0.05, 2.5):.2f}",
        level=f"{rng.uniform(5000, 12000):.2f}", value=f"{rng.uniform(1, 9):.1f}",
        currency=currency, up=rng.randint(20, 150), down=rng.randint(10, 120),
        flat=rng.randint(3, 15), stock_up=stock_up, stock_down=stock_down,
        s1=f"{rng.uniform(1, 10):.2f}", s2=f"{rng.uniform(1, 10):.2f}",
    )  # fmt: skip


def _cable(rng: Random, index: int = 0) -> str:
    # Cables to *different countries* (the template kind): the recipient
    # country cycles with the report's index. Two senders' cables to one
    # country differ in a single name; see make_same_recipient_cables.
    country, leader, occasion = _COUNTRIES[index % len(_COUNTRIES)]
    return _CABLE.format(
        sender=rng.choice(_SENDERS), leader=leader, country=country, occasion=occasion
    )


def make_same_recipient_cables(rng: Random) -> list[str]:
    """One cable per sender to the same leader: the texts differ in the sender alone."""
    country, leader, occasion = rng.choice(_COUNTRIES)
    return [
        _CABLE.format(sender=sender, leader=leader, country=country, occasion=occasion)
        for sender in _SENDERS
    ]


_REPORTS = (_gold, _oil, _weather, _market, _cable)


def make_formulaic_reports(rng: Random, n: int) -> list[str]:
    """``n`` template texts (gold, oil, weather, market close, cables in turn), random facts.

    Reports of one kind share their wording and differ in figures, dates and names: the
    template guard must keep them apart.
    """
    reports = []
    for index in range(n):
        kind = _REPORTS[index % len(_REPORTS)]
        reports.append(_cable(rng, index // len(_REPORTS)) if kind is _cable else kind(rng))
    return reports


def main() -> None:
    """Print one wrapped page and two sibling reports."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = Random(args.seed)
    articles = load_real_articles(limit=300)
    site = make_site_templates(rng, 1, articles=articles)[0]
    print(wrap_page(articles[rng.randrange(len(articles))][1], rng=rng, site=site))
    print("\n" + "=" * 72 + "\n")
    for report in make_formulaic_reports(rng, 2):
        print(report, end="\n\n")


if __name__ == "__main__":
    main()
