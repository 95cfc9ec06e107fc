# ruff: noqa: E501
"""Write the dedup sample corpus: ``articles.jsonl`` and ``labels.json``.

Every text below was written for this project (invented but plausible news in
Modern Standard Arabic); nothing is copied from a real outlet. The copies in a
duplicate family are produced from one written article by the small, named
spelling transforms defined here, so the variation each copy exercises is
explicit and reproducible.

Usage (from the repository root)::

    python sample_corpus/make_corpus.py           # (re)write articles.jsonl and labels.json
    python sample_corpus/make_corpus.py --check   # write, then print the similarity checks

The output is deterministic: running the script twice gives byte-identical files.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------
# Collection
# ---------------------------------------------------------------------------

ARTICLES: list[dict[str, str]] = []
NOTES: dict[str, str] = {}
# The story without page furniture, for the check only (never written out).
CORES: dict[str, str] = {}


def add(
    *,
    title: str,
    text: str,
    source: str,
    published_at: str,
    slug: str,
    note: str,
    core: str | None = None,
    domain: str = "example.org",
) -> str:
    """Append one article and return its id (``s001``, ``s002``, ...)."""
    article_id = f"s{len(ARTICLES) + 1:03d}"
    url = f"https://{domain}/{source}/{published_at[:4]}/{published_at[5:7]}/{slug}"
    ARTICLES.append(
        {
            "id": article_id,
            "title": title,
            "text": text,
            "source": source,
            "published_at": published_at,
            "url": url,
        }
    )
    NOTES[article_id] = note
    CORES[article_id] = text if core is None else core
    return article_id


# ---------------------------------------------------------------------------
# Spelling transforms used to make the copies
# ---------------------------------------------------------------------------

# "Not followed by another Arabic letter or mark": the end of a word.
_WORD_END = r"(?![\u0621-\u064A\u064B-\u0652\u0640])"
_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_HAMZA = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})
_PERSIAN = str.maketrans({"ي": "\u06cc", "ى": "\u06cc", "ك": "\u06a9"})


def drop_hamza(text: str) -> str:
    """أ إ آ written as bare ا (إقليم → اقليم, أعلن → اعلن)."""
    return text.translate(_HAMZA)


def final_yaa_as_maksura(text: str) -> str:
    """Word-final ي written ى (في → فى), as on many Egyptian sites."""
    return re.sub("ي" + _WORD_END, "ى", text)


def final_taa_as_haa(text: str) -> str:
    """Word-final ة written ه (الوزارة → الوزاره)."""
    return re.sub("ة" + _WORD_END, "ه", text)


def persian_letters(text: str) -> str:
    """Kurdish/Persian keyboard: ی U+06CC for ي/ى, ک U+06A9 for ك; كردستان → کوردستان."""
    return text.replace("كردستان", "\u06a9وردستان").translate(_PERSIAN)


def indic_digits(text: str) -> str:
    """ASCII digits written as Arabic-Indic digits (2024 → ٢٠٢٤)."""
    return text.translate(_INDIC)


def replace_words(text: str, pairs: list[tuple[str, str]]) -> str:
    """Replace every occurrence of each plain word; used for harakat and tatweel."""
    for plain, marked in pairs:
        if plain not in text:
            raise ValueError(f"replace_words: {plain!r} is not in the text; fix the pair list")
        text = text.replace(plain, marked)
    return text


def cut_words(text: str, fraction: float = 0.7) -> str:
    """The first ``fraction`` of the text, cut at a space, with a trailing ellipsis (feed teaser)."""
    limit = int(len(text) * fraction)
    end = text.rfind(" ", 0, limit)
    return text[:end].rstrip("،, ") + " ..."


def cut_sentences(text: str, fraction: float = 0.7) -> str:
    """The first sentences up to the sentence end closest to ``fraction`` of the text."""
    target = len(text) * fraction
    ends = [m.end() for m in re.finditer(r"\.", text)]
    best = min(ends, key=lambda e: abs(e - target))
    return text[:best]


def join(dateline: str, paragraphs: list[str]) -> str:
    """A wire body: the dateline in front of the first paragraph, one paragraph a line."""
    return dateline + "\n".join(paragraphs)


# ---------------------------------------------------------------------------
# Duplicate family 1: Kurdistan oil exports (5 copies)
# ---------------------------------------------------------------------------

OIL = [
    "أعلنت وزارة النفط العراقية، اليوم الثلاثاء، التوصل إلى اتفاق مع حكومة إقليم كردستان يقضي باستئناف تصدير النفط الخام المنتج في حقول الإقليم عبر ميناء جيهان التركي، بعد توقف دام أكثر من تسعة أشهر.",
    "وقال المتحدث باسم الوزارة، كريم الساعدي، في بيان تلقته الشبكة، إن الاتفاق ينص على تسليم نحو 400 ألف برميل يومياً إلى شركة تسويق النفط (سومو)، على أن تودع الإيرادات في حساب مصرفي اتحادي يخضع لرقابة ديوان الرقابة المالية.",
    "وأضاف أن الفرق الفنية من الجانبين ستباشر خلال الأيام المقبلة فحص الأنبوب الناقل وعدادات القياس في محطة فيشخابور الحدودية، تمهيداً لضخ الدفعة الأولى قبل نهاية الشهر الجاري.",
    "من جهته، رحب المتحدث باسم حكومة الإقليم بالاتفاق، ووصفه بأنه خطوة مهمة نحو حل الملفات العالقة بين بغداد وأربيل، ولا سيما ملف رواتب موظفي الإقليم المتأخرة منذ أشهر.",
    "ويعتمد العراق على صادرات النفط في تمويل أكثر من 90 في المئة من موازنته العامة، فيما تقدر خسائر توقف التصدير من الشمال بأكثر من 7 مليارات دولار.",
]
OIL_ADDED = " وأكد أن أربيل ملتزمة بتنفيذ بنود الاتفاق كاملة، وتأمل أن يفتح الباب أمام تفاهمات أوسع بشأن قانون النفط والغاز."
OIL_CLOSING = "يذكر أن تركيا كانت قد أوقفت استقبال النفط العراقي عبر الأنبوب إثر قرار تحكيم دولي صدر لصالح بغداد، قبل أن تنطلق جولات تفاوض فنية وقانونية بين الأطراف الثلاثة."

oil_1 = add(
    title="النفط العراقية: اتفاق مع أربيل لاستئناف التصدير عبر جيهان",
    text=join("بغداد/شبكة أخبار العراق- ", OIL),
    source="wakaa",
    published_at="2024-01-16T10:05:00+03:00",
    slug="oil-ministry-kurdistan-exports-agreement",
    note="Wire original: Kurdistan oil exports to resume via Ceyhan.",
)
oil_2 = add(
    title=drop_hamza("اتفاق بين بغداد وأربيل لاستئناف تصدير نفط الإقليم"),
    text=drop_hamza(join("بغداد - الرافدين: ", OIL)),
    source="rafidain",
    published_at="2024-01-16T10:40:00+03:00",
    slug="baghdad-erbil-oil-deal",
    note="Copy: other dateline, hamza dropped throughout (اقليم, اعلنت).",
)
oil_3 = add(
    title=persian_letters("بغداد وأربيل تتفقان على استئناف تصدير نفط إقليم كردستان"),
    text=persian_letters(join("أربيل - زاگرۆس نيوز: ", [*OIL[:3], OIL[3] + OIL_ADDED])),
    source="zagros-news",
    published_at="2024-01-16T11:20:00+03:00",
    slug="kurdistan-oil-exports-resume",
    note="Copy: Kurdish keyboard (ی U+06CC, ک U+06A9, کوردستان); last paragraph dropped, one sentence added.",
)
oil_4 = add(
    title="اتفاق نفطي بين بغداد وأربيل",
    text=cut_words(join("بغداد - «الخليج اليومية»: ", OIL)),
    source="gulf-daily",
    published_at="2024-01-16T13:00:00+03:00",
    slug="iraq-kurdistan-oil-agreement",
    note="Copy: feed teaser, first 70% of the text cut at a space with an ellipsis.",
)
oil_5 = add(
    title="العـــراق: استئناف تصدير نفط الإقليم عبر ميناء جيهان قريباً",
    text=replace_words(
        replace_words(
            join("بغداد (وكالات) - ", [*OIL, OIL_CLOSING]),
            [
                ("أعلنت وزارة النفط العراقية", "أعلنَتْ وزارةُ النفطِ العراقيّةُ"),
                ("الاتفاق", "الاتّفاق"),
                ("المتحدث", "المتحدِّث"),
                ("يومياً", "يوميّاً"),
            ],
        ),
        [("العراق", "العـــراق")],
    ),
    source="sahil-news",
    published_at="2024-01-16T14:30:00+03:00",
    slug="iraq-oil-exports-ceyhan-soon",
    note="Copy: harakat on some words, tatweel (العـــراق), extra closing paragraph.",
)

# ---------------------------------------------------------------------------
# Duplicate family 2: Saudi flu vaccination campaign (3 copies)
# ---------------------------------------------------------------------------

FLU = [
    "أطلقت وزارة الصحة حملتها الوطنية السنوية للتطعيم ضد الإنفلونزا الموسمية، التي تستهدف أكثر من 3 ملايين مستفيد في مختلف مناطق المملكة، وتستمر حتى نهاية شهر فبراير المقبل.",
    "وأوضحت الوزارة أن اللقاح متاح مجاناً في أكثر من 2400 مركز للرعاية الصحية الأولية، إضافة إلى عيادات متنقلة في المجمعات التجارية ومحطات القطار والجامعات، ويمكن حجز الموعد مسبقاً عبر تطبيق «عافيتي».",
    "ودعت الوزارة كبار السن والحوامل والمصابين بالأمراض المزمنة والعاملين في القطاع الصحي إلى المبادرة بأخذ اللقاح، مؤكدة أنه آمن وفعال ويسهم في الحد من مضاعفات المرض ومن حالات التنويم في المستشفيات.",
    "وأشارت إلى أن نسبة الإقبال في الموسم الماضي تجاوزت 68 في المئة من الفئات المستهدفة، معربة عن أملها في رفع هذه النسبة خلال الموسم الحالي بالتعاون مع جهات العمل والمدارس.",
]
FLU_CLOSING = "يذكر أن الوزارة كانت قد أطلقت مطلع الشهر الجاري حملة توعوية بعنوان «لقاحك وقايتك» عبر منصات التواصل الاجتماعي، للتعريف بأعراض الإنفلونزا وطرق الوقاية منها."

flu_1 = add(
    title="الصحة تطلق حملة التطعيم ضد الإنفلونزا الموسمية",
    text=join("الرياض - واس: ", FLU),
    source="gulf-daily",
    published_at="2023-10-08T09:15:00+03:00",
    slug="flu-vaccination-campaign",
    note="Wire original: Saudi seasonal flu vaccination campaign.",
)
flu_2 = add(
    title="«الصحة» تُطلق الحملة الوطنية للتطعيم ضد الإنفلونزا",
    text=indic_digits(
        replace_words(
            join("الرياض (واس) - ", FLU),
            [
                ("أطلقت وزارة الصحة", "أطلقَتْ وزارةُ الصحّةِ"),
                ("حملتها الوطنية", "حملتَها الوطنيّةَ"),
                ("مجاناً", "مجّاناً"),
                ("اللقاح", "اللَّقاح"),
                ("وفعال", "وفعّال"),
                ("المستهدفة", "المستهدَفة"),
            ],
        )
    ),
    source="najd-post",
    published_at="2023-10-08T10:02:00+03:00",
    slug="health-ministry-influenza-vaccine",
    note="Copy: harakat on some words, Arabic-Indic digits, dateline punctuation changed.",
)
flu_3 = add(
    title="انطلاق حملة التطعيم ضد الإنفلونزا الموسمية في المملكة",
    text=join("الرياض - واس: ", [*FLU, FLU_CLOSING]),
    source="bayan-online",
    published_at="2023-10-08T12:30:00+03:00",
    slug="saudi-flu-vaccine-drive",
    note="Copy: extra closing paragraph.",
    domain="example.com",
)

# ---------------------------------------------------------------------------
# Duplicate family 3: Cairo metro line 3 stations (3 copies)
# ---------------------------------------------------------------------------

METRO = [
    "أعلنت الهيئة القومية للأنفاق بدء التشغيل التجريبي لأربع محطات جديدة في الخط الثالث لمترو الأنفاق اعتباراً من صباح الخميس المقبل، ضمن المرحلة الأخيرة من مشروع ربط شرق القاهرة بغربها.",
    "وقال رئيس الهيئة، المهندس سامح عبد الرؤوف، في تصريحات صحفية، إن المحطات الجديدة ستخدم نحو 150 ألف راكب يومياً، وإن القطارات ستعمل في البداية بزمن تقاطر يبلغ عشر دقائق، على أن يتقلص تدريجياً مع زيادة عدد القطارات.",
    "وأضاف أن أسعار التذاكر لن تتغير خلال الفترة التجريبية، وأن بوابات الدفع الإلكتروني بالبطاقات البنكية ستكون متاحة في جميع المحطات الجديدة.",
    "وتقع محطتان من المحطات الأربع في حي إمبابة، فيما تقع الثالثة قرب ميدان الجيزة والرابعة في منطقة بولاق الدكرور، وهي من أكثر المناطق كثافة سكانية في محافظة الجيزة.",
    "وكانت الحكومة قد خصصت استثمارات ضخمة لتوسعة شبكة المترو خلال السنوات الأخيرة، في إطار خطة لتخفيف الاختناقات المرورية في العاصمة وتقليل الاعتماد على السيارات الخاصة.",
]
METRO_CLOSING = "ومن المقرر أن يتفقد رئيس مجلس الوزراء المحطات الجديدة خلال الأيام المقبلة للوقوف على جاهزيتها قبل التشغيل الكامل."

metro_1 = add(
    title="تشغيل تجريبي لأربع محطات جديدة بالخط الثالث للمترو الخميس المقبل",
    text=join("القاهرة (خاص) - ", METRO),
    source="nile-today",
    published_at="2024-02-12T08:45:00+02:00",
    slug="metro-line3-four-new-stations",
    note="Original: four new Cairo metro line 3 stations open for trial runs.",
)
metro_2 = add(
    title=final_taa_as_haa(final_yaa_as_maksura("الأنفاق: 4 محطات جديدة في الخط الثالث تدخل الخدمة الخميس")),
    text=final_taa_as_haa(final_yaa_as_maksura(join("القاهرة - دلتا نيوز: ", [*METRO[:2], *METRO[3:]]))),
    source="delta-news",
    published_at="2024-02-12T09:30:00+02:00",
    slug="nat-tunnels-authority-line3",
    note="Copy: Egyptian spelling (final ي→ى: في→فى; final ة→ه); third paragraph dropped.",
)
metro_3 = add(
    title=final_yaa_as_maksura("أربع محطات جديدة في مترو القاهرة تبدأ التشغيل التجريبي"),
    text=final_yaa_as_maksura(join("القاهرة - أ ش أ: ", [*METRO, METRO_CLOSING])),
    source="arab-wire",
    published_at="2024-02-12T11:10:00+02:00",
    slug="cairo-metro-trial-operation",
    note="Copy: final ي written ى only, other dateline, extra closing paragraph.",
    domain="example.com",
)

# ---------------------------------------------------------------------------
# Duplicate family 4: Morocco dam levels (3 copies)
# ---------------------------------------------------------------------------

DAMS = [
    "ارتفعت نسبة ملء السدود بالمملكة إلى 31,2 في المئة إلى غاية صباح يوم الاثنين، مقابل 27,6 في المئة قبل أسبوع، وذلك بفضل التساقطات المطرية المهمة التي عرفتها عدة مناطق خلال الأيام الأخيرة.",
    "وحسب معطيات صادرة عن وزارة التجهيز والماء، فقد بلغ الحجم الإجمالي للمخزون المائي حوالي 5,1 مليار متر مكعب، مسجلاً زيادة تقارب 600 مليون متر مكعب في ظرف أسبوع واحد.",
    "وسجل حوض سبو أعلى نسبة ملء بحوالي 48 في المئة، يليه حوض اللوكوس بنسبة 44 في المئة، في حين ما تزال نسب الملء بحوضي أم الربيع وسوس ماسة دون 12 في المئة.",
    "وتوقعت المديرية العامة للأرصاد الجوية استمرار التساقطات على المرتفعات الشمالية والأطلس المتوسط خلال الأيام الثلاثة المقبلة، مع تساقطات ثلجية فوق المرتفعات التي يتجاوز علوها 1800 متر.",
    "ويأمل الفلاحون أن تسهم هذه الأمطار في إنقاذ ما تبقى من الموسم الفلاحي، بعد سنوات متتالية من الجفاف أثرت بشكل كبير على المحاصيل والماشية.",
]

dams_1 = add(
    title="نسبة ملء السدود ترتفع إلى 31,2 في المئة بعد التساقطات الأخيرة",
    text=join("الرباط - و م ع: ", DAMS),
    source="maghreb-press",
    published_at="2024-02-19T11:00:00+01:00",
    slug="dam-fill-rate-rises",
    note="Wire original: Moroccan dam fill rate after rain.",
)
dams_2 = add(
    title=indic_digits("ارتفاع نسبة ملء السـدود إلى 31,2 في المئة"),
    text=indic_digits(
        replace_words(
            join("الرباط (أطلس أنفو) - ", DAMS),
            [("السدود", "السـدود"), ("والماء", "والمـــاء"), ("الأمطار", "الأمـطار")],
        )
    ),
    source="atlas-info",
    published_at="2024-02-19T12:15:00+01:00",
    slug="barrages-taux-remplissage",
    note="Copy: tatweel in three words, Arabic-Indic digits (٣١,٢), other dateline.",
    domain="example.com",
)
dams_3 = add(
    title="السدود المغربية تستفيد من الأمطار الأخيرة",
    text=cut_sentences(join("الرباط - ", DAMS)),
    source="rif-today",
    published_at="2024-02-19T15:40:00+01:00",
    slug="morocco-dams-rain",
    note="Copy: shortened to the sentence end nearest 70% of the text.",
)

# ---------------------------------------------------------------------------
# Duplicate family 5: Iraq 3-1 Vietnam (3 copies)
# ---------------------------------------------------------------------------

MATCH = [
    "حقق المنتخب العراقي لكرة القدم فوزاً ثميناً على نظيره الفيتنامي بثلاثة أهداف مقابل هدف واحد، في المباراة التي جرت مساء الخميس على ملعب جذع النخلة في البصرة، ضمن الجولة الرابعة من التصفيات الآسيوية المؤهلة إلى كأس العالم 2026.",
    "وافتتح أسود الرافدين التسجيل في الدقيقة 18 برأسية من المدافع حسن جبار إثر ركلة ركنية، قبل أن يدرك الضيوف التعادل في الدقيقة 41 من ركلة جزاء احتسبها الحكم بعد العودة إلى تقنية الفيديو.",
    "وفي الشوط الثاني، استعاد المنتخب العراقي التقدم بتسديدة قوية من خارج المنطقة أطلقها المهاجم أيمن كريم في الدقيقة 63، ثم أضاف البديل يوسف عادل الهدف الثالث في الدقيقة 87 بعد هجمة مرتدة سريعة.",
    "وبهذا الفوز رفع المنتخب العراقي رصيده إلى عشر نقاط في صدارة المجموعة، بفارق ثلاث نقاط عن أقرب ملاحقيه، ليقترب من حسم بطاقة التأهل إلى الدور الحاسم.",
    "وشهدت المباراة حضوراً جماهيرياً كبيراً تجاوز 60 ألف متفرج، رددوا الأهازيج طوال اللقاء.",
]
MATCH_ADDED = "وسيحل المنتخب العراقي ضيفاً على نظيره الفيتنامي في مباراة الإياب يوم الثلاثاء المقبل في هانوي."

match_1 = add(
    title="العراق يتغلب على فيتنام بثلاثية في تصفيات المونديال",
    text=join("البصرة/شبكة أخبار العراق- ", MATCH),
    source="wakaa",
    published_at="2024-03-21T23:10:00+03:00",
    slug="iraq-beat-vietnam-3-1",
    note="Original match report: Iraq 3-1 Vietnam in Basra.",
)
match_2 = add(
    title=indic_digits("المنتخـب العـــراقي يهزم فيتنام 3-1 في البصرة"),
    text=indic_digits(
        replace_words(
            join("البصرة - الرافدين: ", MATCH),
            [("العراقي", "العـــراقي"), ("المنتخب", "المنتخـب")],
        )
    ),
    source="rafidain",
    published_at="2024-03-21T23:45:00+03:00",
    slug="iraq-vietnam-world-cup-qualifier",
    note="Copy: tatweel (العـــراقي, المنتخـب), Arabic-Indic digits.",
)
match_3 = add(
    title="أسود الرافدين يقتربون من الدور الحاسم بالفوز على فيتنام",
    text=join("البصرة - غول عربية: ", [*MATCH[:4], MATCH_ADDED]),
    source="goal-arabia",
    published_at="2024-03-22T00:20:00+03:00",
    slug="lions-of-mesopotamia-vietnam",
    note="Copy: last sentence dropped, a different closing sentence added.",
    domain="example.com",
)

# ---------------------------------------------------------------------------
# Duplicate family 6: Lebanon electricity hours (3 copies)
# ---------------------------------------------------------------------------

POWER = [
    "أعلنت مؤسسة كهرباء لبنان رفع ساعات التغذية بالتيار الكهربائي إلى ما بين ثماني وعشر ساعات يومياً في معظم المناطق، اعتباراً من مطلع الأسبوع المقبل، بعد وصول شحنة جديدة من الفيول أويل إلى معمل الزهراني.",
    "وأوضحت المؤسسة في بيان أن الشحنة البالغة نحو 33 ألف طن ستؤمن تشغيل المعامل لمدة خمسة أسابيع تقريباً، مشيرة إلى أنها تعمل على تأمين شحنة ثانية قبل نفاد المخزون الحالي.",
    "ودعت المؤسسة المشتركين إلى تسديد فواتيرهم المتأخرة في أقرب وقت، لافتة إلى أن نسبة الجباية ما زالت دون المستوى المطلوب لتغطية كلفة الوقود وأعمال الصيانة.",
    "ويعاني لبنان منذ سنوات من أزمة حادة في قطاع الكهرباء، دفعت شريحة واسعة من السكان إلى الاعتماد على المولدات الخاصة وألواح الطاقة الشمسية.",
]
POWER_CLOSING = "وكان وزير الطاقة قد أعلن الأسبوع الماضي عن خطة لتأهيل شبكات النقل والتوزيع في البقاع والجنوب، بتمويل من قرض ميسر."

power_1 = add(
    title="كهرباء لبنان ترفع ساعات التغذية إلى عشر ساعات يومياً",
    text=join("بيروت - الوكالة الوطنية للإعلام: ", POWER),
    source="levant-post",
    published_at="2023-11-06T13:20:00+02:00",
    slug="edl-supply-hours-increase",
    note="Original: Electricite du Liban raises supply hours after a fuel shipment.",
)
power_2 = add(
    title="زيادة ساعات التغذية بالكهرباء بعد وصول شحنة الفيول",
    text=replace_words(
        join("بيروت - ", [*POWER, POWER_CLOSING]),
        [
            ("أعلنت مؤسسة كهرباء لبنان", "أعلنَتْ مؤسّسةُ كهرباءِ لبنانَ"),
            ("المؤسسة", "المؤسّسة"),
            ("يومياً", "يوميّاً"),
            ("تسديد", "تسديدِ"),
        ],
    ),
    source="cedar-news",
    published_at="2023-11-06T14:05:00+02:00",
    slug="electricity-hours-fuel-shipment",
    note="Copy: harakat on some words, extra closing paragraph.",
)
power_3 = add(
    title=drop_hamza("مؤسسة الكهرباء: ساعات تغذية أطول اعتباراً من الأسبوع المقبل"),
    text=indic_digits(drop_hamza(join("بيروت (خاص) - ", POWER))),
    source="beirut-now",
    published_at="2023-11-06T16:50:00+02:00",
    slug="longer-power-supply-next-week",
    note="Copy: hamza dropped, Arabic-Indic digits.",
    domain="example.com",
)

# ---------------------------------------------------------------------------
# Duplicate family 7: Tunisian olive oil exports (4 copies)
# ---------------------------------------------------------------------------

OLIVE = [
    "بلغت صادرات تونس من زيت الزيتون منذ انطلاق الموسم الحالي في نوفمبر الماضي نحو 142 ألف طن، بقيمة تفوق 2,8 مليار دينار، وفق بيانات نشرها المرصد الوطني للفلاحة يوم الأربعاء.",
    "وأشار المرصد إلى أن عائدات الصادرات ارتفعت بنسبة 67 بالمئة مقارنة بالفترة نفسها من الموسم الماضي، رغم تراجع الكميات المصدرة بنحو 9 بالمئة، وذلك بسبب الارتفاع القياسي للأسعار في الأسواق العالمية.",
    "واستحوذ الاتحاد الأوروبي على أكثر من 60 بالمئة من الكميات المصدرة، تليه الولايات المتحدة الأمريكية وكندا، فيما ارتفعت حصة الزيت المعلب مقارنة بالزيت السائب.",
    "ويتوقع مهنيون أن تتواصل وتيرة التصدير خلال الأشهر المقبلة، في ظل نقص الإنتاج في عدد من الدول المنتجة بحوض البحر الأبيض المتوسط.",
]
OLIVE_CLOSING = "وتعد تونس من أكبر مصدري زيت الزيتون في العالم، إذ يمثل هذا القطاع مورد رزق لأكثر من 300 ألف فلاح."

olive_1 = add(
    title="صادرات زيت الزيتون التونسي تتجاوز 142 ألف طن",
    text=join("تونس - وات: ", OLIVE),
    source="carthage-news",
    published_at="2024-03-06T14:00:00+01:00",
    slug="olive-oil-exports-142k-tonnes",
    note="Wire original: Tunisian olive oil export figures.",
)
olive_2 = add(
    title=final_taa_as_haa("عائدات زيت الزيتون التونسي ترتفع بنسبة 67 بالمئة"),
    text=final_taa_as_haa(join("تونس - ماروك بريس: ", OLIVE[:3])),
    source="maghreb-press",
    published_at="2024-03-06T15:10:00+01:00",
    slug="tunisia-olive-oil-revenue",
    note="Copy: final ة written ه, last paragraph dropped.",
)
olive_3 = add(
    title=indic_digits("تونس: 2,8 مليار دينار عائدات صادرات زيت الزيتون"),
    text=indic_digits(join("تونس (وكالات) - ", [*OLIVE, OLIVE_CLOSING])),
    source="arab-wire",
    published_at="2024-03-06T16:30:00+01:00",
    slug="tunisia-olive-oil-2-8-billion",
    note="Copy: Arabic-Indic digits, extra closing paragraph.",
    domain="example.com",
)
olive_4 = add(
    title="ارتفاع عائدات صادرات زيت الزيتون في تونس",
    text=cut_sentences(join("تونس - «الخليج اليومية»: ", OLIVE)),
    source="gulf-daily",
    published_at="2024-03-06T19:05:00+03:00",
    slug="tunisia-olive-oil-exports",
    note="Copy: shortened to the sentence end nearest 70% of the text.",
)

# ---------------------------------------------------------------------------
# Duplicate family 8: UAE central bank holds rates (3 copies)
# ---------------------------------------------------------------------------

RATE = [
    "قرر مصرف الإمارات العربية المتحدة المركزي الإبقاء على سعر الفائدة الأساسي على تسهيلات الإيداع لليلة واحدة عند 5,40 في المئة، وذلك عقب قرار مجلس الاحتياطي الفيدرالي الأمريكي تثبيت أسعار الفائدة.",
    "كما قرر المصرف الإبقاء على سعر الفائدة المطبق على اقتراض السيولة قصيرة الأجل من المصرف المركزي عند 50 نقطة أساس فوق سعر الفائدة الأساسي، لجميع التسهيلات الائتمانية القائمة.",
    "ويرتبط الدرهم الإماراتي بالدولار الأمريكي، ما يجعل السياسة النقدية للمصرف تسير عادة في اتجاه قرارات الاحتياطي الفيدرالي.",
    "ويتوقع محللون أن تبدأ البنوك المركزية في المنطقة خفض أسعار الفائدة خلال النصف الثاني من العام المقبل، إذا واصل التضخم في الولايات المتحدة تراجعه.",
]

rate_1 = add(
    title="المصرف المركزي الإماراتي يبقي سعر الفائدة الأساسي دون تغيير",
    text=join("أبوظبي - وام: ", RATE),
    source="gulf-daily",
    published_at="2023-11-02T00:30:00+04:00",
    slug="uae-central-bank-holds-rate",
    note="Wire original: UAE central bank keeps its base rate at 5.40%.",
)
rate_2 = add(
    title=indic_digits(drop_hamza("المركزي الإماراتي يثبت الفائدة عند 5,40 في المئة")),
    text=indic_digits(drop_hamza(join("دبي - البيان أونلاين: ", RATE))),
    source="bayan-online",
    published_at="2023-11-02T07:45:00+04:00",
    slug="uae-rate-unchanged",
    note="Copy: hamza dropped, Arabic-Indic digits.",
    domain="example.com",
)
rate_3 = add(
    title="تثبيت الفـائدة في الإمارات بعد قرار الفيدرالي",
    text=replace_words(
        join("أبوظبي (وام) - ", RATE[:3]),
        [("المركزي", "المـركزي"), ("الفائدة", "الفـائدة")],
    ),
    source="khaleej-wire",
    published_at="2023-11-02T09:00:00+04:00",
    slug="uae-interest-rate-fed",
    note="Copy: tatweel (الفـائدة, المـركزي), last paragraph dropped.",
)

# ---------------------------------------------------------------------------
# Duplicate family 9: Alexandria building collapse, with a later update (3 copies)
# ---------------------------------------------------------------------------

COLLAPSE = [
    "لقي خمسة أشخاص مصرعهم وأصيب ثمانية آخرون، صباح اليوم الأحد، إثر انهيار عقار سكني مكون من ستة طوابق في منطقة العطارين وسط مدينة الإسكندرية.",
    "وقال مصدر في الحماية المدنية إن فرق الإنقاذ انتشلت جثث الضحايا من تحت الأنقاض، وإن عمليات البحث ما زالت جارية عن مفقودين يعتقد أنهم كانوا داخل المبنى لحظة انهياره.",
    "ودفعت المحافظة بعدد من سيارات الإسعاف والمعدات الثقيلة إلى موقع الحادث، فيما فرضت قوات الأمن طوقاً حول المنطقة وأخلت العقارين المجاورين كإجراء احترازي.",
    "وأفادت التحريات الأولية بأن العقار قديم وصدر بحقه قرار ترميم منذ عام 2019 لكنه لم ينفذ.",
]
COLLAPSE_UPDATE_LEAD = "لقي تسعة أشخاص مصرعهم وأصيب أحد عشر آخرون، صباح اليوم الأحد، إثر انهيار عقار سكني مكون من ستة طوابق في منطقة العطارين وسط مدينة الإسكندرية، وفق أحدث حصيلة."
COLLAPSE_UPDATE_NEW = [
    "وفي تحديث لاحق، أعلنت مديرية الصحة بالإسكندرية انتشال أربع جثث إضافية خلال ساعات ما بعد الظهر، بينها جثتا طفلين، مشيرة إلى أن المصابين نقلوا إلى مستشفى الإسكندرية الجامعي ومستشفى رأس التين العام، وأن حالة ثلاثة منهم حرجة.",
    "وأمر محافظ الإسكندرية بتشكيل لجنة هندسية عاجلة لفحص العقارات المجاورة، وصرف إعانات فورية لأسر الضحايا وتوفير مساكن مؤقتة للأسر المتضررة، فيما قررت النيابة العامة فتح تحقيق في الحادث واستدعاء مالك العقار ومسؤولي الحي.",
]

collapse_1 = add(
    title="مصرع 5 أشخاص في انهيار عقار بمنطقة العطارين في الإسكندرية",
    text=join("الإسكندرية (خاص) - ", COLLAPSE),
    source="nile-today",
    published_at="2023-07-16T10:40:00+03:00",
    slug="attarin-building-collapse",
    note="First report: building collapse in Alexandria, 5 dead, 8 injured.",
)
collapse_2 = add(
    title=final_taa_as_haa(final_yaa_as_maksura("انهيار عقار من ستة طوابق في الإسكندرية ومصرع خمسة أشخاص")),
    text=final_taa_as_haa(final_yaa_as_maksura(join("الإسكندرية - دلتا نيوز: ", COLLAPSE))),
    source="delta-news",
    published_at="2023-07-16T11:25:00+03:00",
    slug="alexandria-six-storey-collapse",
    note="Copy of the first report in Egyptian spelling (final ي→ى, final ة→ه).",
)
collapse_3 = add(
    title="ارتفاع ضحايا انهيار عقار العطارين بالإسكندرية إلى 9 قتلى",
    text=join("الإسكندرية (خاص) - ", [COLLAPSE_UPDATE_LEAD, *COLLAPSE[1:], *COLLAPSE_UPDATE_NEW]),
    source="nile-today",
    published_at="2023-07-16T17:15:00+03:00",
    slug="attarin-collapse-toll-rises-9",
    note="Update of the same report: toll raised to 9 dead and 11 injured, two new paragraphs; merged with the first report as aggregators do.",
)

# ---------------------------------------------------------------------------
# Duplicate family 10: Jordan tourism income (2 copies)
# ---------------------------------------------------------------------------

TOURISM = [
    "ارتفع الدخل السياحي في الأردن خلال الربع الأول من العام الحالي بنسبة 6,4 في المئة ليصل إلى نحو 1,6 مليار دينار، مقارنة بالفترة ذاتها من العام الماضي، وفق أرقام أولية أصدرها البنك المركزي الأردني يوم الأربعاء.",
    "وأظهرت البيانات أن عدد السياح القادمين للمبيت بلغ قرابة مليون سائح، جاء معظمهم من دول الخليج العربي وأوروبا، فيما سجل عدد زوار البتراء ووادي رم ارتفاعاً ملحوظاً.",
    "وقالت وزارة السياحة والآثار إن حملات الترويج في الأسواق الأوروبية وزيادة عدد الرحلات منخفضة التكاليف إلى مطاري عمّان والعقبة أسهمتا في هذا النمو.",
    "ويشكل قطاع السياحة أحد أهم مصادر العملة الصعبة في المملكة، ويساهم بنحو 14 في المئة من الناتج المحلي الإجمالي.",
]

tourism_1 = add(
    title="الدخل السياحي في الأردن يرتفع 6,4 في المئة في الربع الأول",
    text=join("عمّان - بترا: ", TOURISM),
    source="amman-daily",
    published_at="2024-04-10T12:00:00+03:00",
    slug="tourism-income-q1",
    note="Wire original: Jordan tourism income in Q1.",
)
tourism_2 = add(
    title=indic_digits(drop_hamza("ارتفاع الدخل السياحي للأردن إلى 1,6 مليار دينار")),
    text=indic_digits(
        drop_hamza(
            join(
                "عمان - ليفانت بوست: ",
                [TOURISM[0], TOURISM[1] + " كما ارتفع متوسط مدة إقامة السائح إلى خمس ليال.", *TOURISM[2:]],
            )
        )
    ),
    source="levant-post",
    published_at="2024-04-10T13:35:00+03:00",
    slug="jordan-tourism-revenue-1-6bn",
    note="Copy: hamza dropped, Arabic-Indic digits, one sentence added.",
)

# ---------------------------------------------------------------------------
# Furniture family 1: Iraqi budget vote (two scraped pages + the bare wire)
# ---------------------------------------------------------------------------

BUDGET = [
    "صوت مجلس النواب العراقي، في جلسته المنعقدة مساء الأحد، على جداول الموازنة العامة الاتحادية لعام 2024، بعد أسابيع من الخلافات بين الكتل السياسية حول حصص المحافظات وتخصيصات الإقليم.",
    "وقال عضو اللجنة المالية النيابية، ماجد العبيدي، إن إجمالي النفقات بلغ نحو 211 تريليون دينار، بعجز مخطط يقدر بـ 64 تريليون دينار، مشيراً إلى أن سعر برميل النفط احتسب على أساس 70 دولاراً.",
    "وأضاف أن اللجنة أجرت مناقلات بين أبواب الصرف لزيادة تخصيصات المشاريع الخدمية في المحافظات الجنوبية وتأمين رواتب المتعاقدين الجدد، لافتاً إلى أن الجلسة شهدت مشادات كلامية قبل اكتمال النصاب.",
    "ومن المنتظر أن ترسل الجداول إلى رئاسة الجمهورية للمصادقة عليها، قبل نشرها في جريدة الوقائع العراقية لتدخل حيز التنفيذ.",
]
budget_core_1 = join("بغداد - الرافدين: ", BUDGET)
budget_core_2 = drop_hamza(join("بغداد - تايمز دجلة: ", BUDGET))
budget_core_3 = join("بغداد/شبكة أخبار العراق- ", BUDGET)

budget_1 = add(
    title="البرلمان يصوت على جداول موازنة 2024",
    text="\n".join(
        [
            "آخر تحديث: 10 حزيران 2024 - 09:41 ص",
            budget_core_1,
            "المصدر: شبكة الرافدين الإخبارية",
            "كلمات دلالية: العراق، الموازنة، مجلس النواب، النفط",
            "إقرأ أيضاً:",
            "أمانة بغداد تغلق جسر الصرافية جزئياً لأعمال الصيانة",
            "أعلنت أمانة بغداد إغلاق مسارين من جسر الصرافية أمام حركة العجلات لمدة أسبوعين، لإجراء أعمال صيانة للمفاصل الحديدية وإكساء الطريق. ودعت الأمانة السائقين إلى سلوك جسري باب المعظم والأحرار كطرق بديلة خلال ساعات الذروة. وأكدت أن الأعمال تنفذ بملاكات ذاتية وفق جدول زمني محدد.",
            "الأكثر قراءة",
            "الأنواء الجوية: موجة حر تضرب البلاد نهاية الأسبوع",
            "المركزي العراقي يطلق منصة جديدة للحوالات الخارجية",
            "إغلاق طريق المطار الدولي مؤقتاً بسبب زيارة رسمية",
            "الزوراء يتعاقد مع مدافع سوري لموسمين",
            "التربية تحدد موعد الامتحانات الوزارية للسادس الإعدادي",
            "ارتفاع أسعار الطماطم في أسواق العاصمة",
            "جميع الحقوق محفوظة © 2024 شبكة الرافدين الإخبارية",
        ]
    ),
    core=budget_core_1,
    source="rafidain",
    published_at="2024-06-10T09:41:00+03:00",
    slug="parliament-votes-budget-tables-2024",
    note="Budget vote wrapped in page furniture: update header, source, tags, a read-also article about a Baghdad bridge, most-read list, copyright footer.",
)
budget_2 = add(
    title=drop_hamza("مجلس النواب يقر جداول الموازنة الاتحادية بعد أسابيع من الخلافات"),
    text="\n".join(
        [
            "نشر في: 10 حزيران 2024",
            budget_core_2,
            "أخبار ذات صلة",
            "- اللجنة المالية: الموازنة تضمنت درجات وظيفية جديدة للخريجين",
            "- نائب: جداول الموازنة تاخرت بسبب خلافات المحافظات",
            "- خبير اقتصادي يحذر من ارتفاع العجز في الموازنة",
            "- الحكومة ترسل تعديلات قانون الموازنة الثلاثية الى البرلمان",
            "- كردستان تطالب بحصة عادلة في جداول الموازنة",
            "تابعونا على تويتر وفيسبوك وتلغرام",
            "© 2024 تايمز دجلة - جميع الحقوق محفوظة",
        ]
    ),
    core=budget_core_2,
    source="tigris-times",
    published_at="2024-06-10T11:20:00+03:00",
    slug="budget-tables-approved",
    note="Same budget story, hamza dropped, wrapped in other furniture: publish header, related-news bullet list, follow-us line, footer.",
    domain="example.com",
)
budget_3 = add(
    title="مجلس النواب يصوت على جداول الموازنة العامة",
    text=budget_core_3,
    source="wakaa",
    published_at="2024-06-09T22:50:00+03:00",
    slug="budget-tables-vote",
    note="Bare wire copy of the budget story, no furniture.",
)

# ---------------------------------------------------------------------------
# Furniture family 2: Morocco micro-enterprise programme (2 pages + bare copy)
# ---------------------------------------------------------------------------

SME = [
    "صادق مجلس الحكومة، المنعقد يوم الخميس بالرباط، على مشروع مرسوم يتعلق بإحداث برنامج جديد لدعم المقاولات الصغيرة جداً، يهدف إلى تمكين الشباب حاملي المشاريع من الحصول على التمويل في ظروف ميسرة.",
    "وأوضح الناطق الرسمي باسم الحكومة، في ندوة صحفية عقب الاجتماع، أن البرنامج يمنح قروضاً بسعر فائدة لا يتجاوز 2 في المئة في المجال الحضري و1,75 في المئة في العالم القروي، مع فترة إعفاء من السداد قد تصل إلى سنتين.",
    "وأضاف أن الحكومة رصدت لهذا البرنامج غلافاً مالياً يناهز 1,5 مليار درهم برسم السنة المقبلة، على أن تستفيد منه حوالي 20 ألف مقاولة، مع إيلاء أهمية خاصة للمشاريع النسائية.",
    "ومن المنتظر أن تنطلق عملية إيداع الطلبات عبر منصة رقمية مخصصة ابتداء من فاتح يناير المقبل.",
]
SME_CLOSING = "يذكر أن برامج سابقة لدعم التشغيل الذاتي لم تحقق الأهداف المرجوة بسبب صعوبة شروط الولوج إلى القروض البنكية."
sme_core_1 = join("الرباط - ماروك بريس: ", SME)
sme_core_2 = indic_digits(join("الرباط - أطلس أنفو: ", SME))
sme_core_3 = join("الرباط - ", [*SME, SME_CLOSING])

sme_1 = add(
    title="مجلس الحكومة يصادق على برنامج لدعم المقاولات الصغيرة جداً",
    text="\n".join(
        [
            "آخر تحديث: 3 نونبر 2023 - 10:14 ص",
            sme_core_1,
            "المصدر: ماروك بريس",
            "كلمات دلالية: الحكومة، المقاولات الصغيرة، التشغيل، الشباب",
            "إقرأ أيضاً:",
            "الدار البيضاء: تمديد ساعات عمل الترامواي خلال نهاية الأسبوع",
            "قررت شركة النقل الحضري بالدار البيضاء تمديد ساعات عمل خطوط الترامواي إلى غاية منتصف الليل أيام الجمعة والسبت، ابتداء من الأسبوع المقبل. وأوضحت الشركة أن القرار يأتي استجابة لطلبات المرتفقين، خاصة مع تزايد الإقبال على الأنشطة الثقافية والرياضية بالمدينة.",
            "الأكثر قراءة",
            "توقعات أحوال الطقس ليوم غد السبت",
            "ارتفاع أسعار المحروقات بمحطات الوقود ابتداء من منتصف الليل",
            "الرجاء يتعادل مع ضيفه في البطولة الاحترافية",
            "مديرية الأرصاد تحذر من رياح قوية بالأقاليم الجنوبية",
            "وزارة التربية الوطنية تكشف موعد العطلة البينية",
            "أسعار الخضر والفواكه بسوق الجملة بالدار البيضاء",
            "جميع الحقوق محفوظة © 2023 ماروك بريس",
        ]
    ),
    core=sme_core_1,
    source="maghreb-press",
    published_at="2023-11-03T10:14:00+01:00",
    slug="government-council-micro-enterprises",
    note="Micro-enterprise programme wrapped in furniture: Maghrebi month header (نونبر), source, tags, a read-also tram article, most-read list, footer.",
)
sme_2 = add(
    title=indic_digits("برنامج حكومي جديد بـ 1,5 مليار درهم لتمويل المقاولات الصغيرة"),
    text="\n".join(
        [
            "الخميس 2 نونبر 2023 | 18:47",
            sme_core_2,
            "شارك المقال: فيسبوك | تويتر | واتساب",
            "مقالات مشابهة",
            "- بنك المغرب يبقي على سعر الفائدة الرئيسي دون تغيير",
            "- صندوق الضمان المركزي يطلق عرضاً جديداً لتمويل المقاولين الذاتيين",
            "- ارتفاع عدد المقاولات المحدثة خلال الفصل الثالث",
            "- الحكومة تعد بإحداث 200 ألف منصب شغل",
            "- جهة الشرق تطلق مسابقة لأفضل مشروع مبتكر",
            "© أطلس أنفو 2023 - جميع الحقوق محفوظة",
        ]
    ),
    core=sme_core_2,
    source="atlas-info",
    published_at="2023-11-02T18:47:00+01:00",
    slug="programme-tpe-financement",
    note="Same story with Arabic-Indic digits, other furniture: date header, share line, similar-articles bullets, footer.",
    domain="example.com",
)
sme_3 = add(
    title="الحكومة تطلق برنامجاً لتمويل المقاولات الصغيرة جداً",
    text=sme_core_3,
    source="rif-today",
    published_at="2023-11-02T20:30:00+01:00",
    slug="micro-enterprise-loans",
    note="Bare copy of the micro-enterprise story with an extra closing paragraph.",
)

# ---------------------------------------------------------------------------
# Furniture family 3: Jordan ride-hailing regulation (2 pages + bare copy)
# ---------------------------------------------------------------------------

RIDES = [
    "أقر مجلس الوزراء الأردني، في جلسته التي عقدها الأحد برئاسة رئيس الوزراء، نظاماً معدلاً لنظام نقل الركاب بواسطة التطبيقات الذكية، يسمح برفع عدد المركبات العاملة على هذه التطبيقات إلى 25 ألف مركبة.",
    "وقال وزير النقل إن النظام الجديد يلزم الشركات المرخصة بتركيب أنظمة تتبع إلكتروني في المركبات، وربطها بغرفة مراقبة تابعة لهيئة تنظيم النقل البري، بهدف تعزيز سلامة الركاب.",
    "وأضاف أن النظام يتيح تسجيل المركبات الكهربائية والهجينة فقط ضمن الأسطول الجديد، في إطار خطة الحكومة لتقليل الانبعاثات في المدن الكبرى مثل عمّان وإربد والزرقاء.",
    "وحدد النظام مهلة ستة أشهر للشركات العاملة لتصويب أوضاعها، تحت طائلة تعليق التراخيص.",
]
RIDES_ADDED = " ويبلغ عدد المركبات العاملة حالياً على هذه التطبيقات نحو 14 ألف مركبة."
rides_core_1 = join("عمّان - ليفانت بوست: ", RIDES)
rides_core_2 = join("عمّان - عمّان اليومية: ", [RIDES[0] + RIDES_ADDED, *RIDES[1:]])
rides_core_3 = replace_words(
    join("عمّان - بترا: ", RIDES),
    [
        ("أقر مجلس الوزراء الأردني", "أقرَّ مجلسُ الوزراءِ الأردنيُّ"),
        ("النظام", "النِّظام"),
        ("المركبات", "المركَبات"),
    ],
)

rides_1 = add(
    title="الحكومة تقر نظاماً معدلاً لنقل الركاب بالتطبيقات الذكية",
    text="\n".join(
        [
            "نشر في: 12 تشرين الثاني 2023",
            rides_core_1,
            "المصدر: وكالة الأنباء الأردنية (بترا)",
            "كلمات دلالية: الأردن، النقل، التطبيقات الذكية، مجلس الوزراء",
            "أخبار ذات صلة",
            "- هيئة النقل: ضبط 300 مركبة تعمل دون ترخيص على التطبيقات",
            "- سائقو التاكسي الأصفر يطالبون بتعويضات",
            "- إطلاق خدمة الحافلات سريعة التردد بين عمّان والزرقاء",
            "- ارتفاع أسعار المحروقات للشهر الثالث على التوالي",
            "- الحكومة تعفي المركبات الكهربائية من الضريبة الخاصة",
            "تابعونا على تويتر",
        ]
    ),
    core=rides_core_1,
    source="levant-post",
    published_at="2023-11-12T15:30:00+03:00",
    slug="ride-hailing-regulation-amended",
    note="Ride-hailing regulation wrapped in furniture: Levantine month header (تشرين الثاني), source, tags, related-news bullets, follow-us line.",
)
rides_2 = add(
    title="رفع عدد مركبات التطبيقات الذكية إلى 25 ألفاً",
    text="\n".join(
        [
            "آخر تحديث: الأحد، 12 تشرين الثاني 2023 - 01:35 م",
            rides_core_2,
            "إقرأ أيضاً:",
            "أمانة عمّان تطلق مشروعاً لزراعة عشرة آلاف شجرة",
            "أطلقت أمانة عمّان الكبرى مشروعاً لزراعة عشرة آلاف شجرة حرجية في الحدائق والجزر الوسطية خلال موسم الشتاء الحالي. وقالت الأمانة إن المشروع ينفذ بالتعاون مع مدارس ومتطوعين، ويركز على الأشجار المقاومة للجفاف.",
            "الأكثر قراءة",
            "- الأرصاد: منخفض جوي يؤثر على المملكة الثلاثاء",
            "- الفيصلي يتأهل إلى نهائي كأس الأردن",
            "- تعديل ساعات دوام المدارس الحكومية خلال الشتاء",
            "- انخفاض أسعار الذهب في السوق المحلية",
            "إغلاق طريق البحر الميت بسبب الانهيارات",
            "وظائف شاغرة في وزارة الصحة",
            "البنك المركزي: ارتفاع الاحتياطيات الأجنبية",
            "وفاة شخص بحادث سير على الطريق الصحراوي",
            "جميع الحقوق محفوظة © 2023 عمّان اليومية",
        ]
    ),
    core=rides_core_2,
    source="amman-daily",
    published_at="2023-11-12T13:35:00+03:00",
    slug="smart-apps-vehicles-25000",
    note="Same story with one added sentence, other furniture: update header, read-also tree-planting article, most-read list (mixed bullets), footer.",
)
rides_3 = add(
    title="مجلس الوزراء يقرّ نظام نقل الركاب بالتطبيقات الذكية",
    text=rides_core_3,
    source="petra-wire",
    published_at="2023-11-12T12:50:00+03:00",
    slug="cabinet-ride-hailing-bylaw",
    note="Bare wire copy of the ride-hailing story with harakat on some words.",
    domain="example.com",
)

# ---------------------------------------------------------------------------
# Furniture family 4: Doha electric buses (three scraped pages)
# ---------------------------------------------------------------------------

BUSES = [
    "أعلنت الشركة الوطنية للنقل العام عن إطلاق خط جديد للحافلات الكهربائية يربط وسط الدوحة بمدينة الوكرة، اعتباراً من يوم الأحد المقبل، ضمن خطة لتحويل أسطول النقل العام بالكامل إلى الطاقة الكهربائية بحلول عام 2030.",
    "وأوضحت الشركة أن الخط الجديد سيعمل بواسطة 35 حافلة كهربائية، بمعدل رحلة كل 15 دقيقة خلال ساعات الذروة، وسيمر بعدد من المحطات الرئيسية أبرزها محطة المترو في منطقة المطار القديم.",
    "وأشارت إلى أن الحافلات مزودة بشبكة إنترنت لاسلكية مجانية وشواحن للهواتف، وأن سعر التذكرة سيبقى مماثلاً لسعر خطوط الحافلات التقليدية.",
    "وتشغل الشركة حالياً أكثر من 800 حافلة كهربائية، تعمل بواسطة محطات شحن موزعة في أنحاء الدولة.",
]
buses_core_1 = join("الدوحة - الخليج اليومية: ", BUSES)
buses_core_2 = indic_digits(join("الدوحة - الدوحة واير: ", BUSES))
buses_core_3 = join("الدوحة - قنا: ", BUSES)

buses_1 = add(
    title="خط جديد للحافلات الكهربائية بين الدوحة والوكرة",
    text="\n".join(
        [
            "تاريخ النشر: 2024/02/18 - 08:30 ص",
            buses_core_1,
            "اقرأ المزيد:",
            "افتتاح مكتبة عامة جديدة في لوسيل",
            "افتتحت وزارة الثقافة مكتبة عامة جديدة في مدينة لوسيل تضم أكثر من 60 ألف كتاب باللغتين العربية والإنجليزية. وتضم المكتبة قاعة مخصصة للأطفال ومساحات للدراسة تعمل حتى العاشرة مساء.",
            "الأكثر مشاهدة",
            "أسعار صرف الريال القطري اليوم",
            "الأرصاد تتوقع ضباباً كثيفاً صباح الغد",
            "السد يفوز على الغرافة في دوري النجوم",
            "بدء التسجيل في رياض الأطفال الحكومية",
            "ارتفاع مبيعات السيارات الكهربائية في الربع الأخير",
            "إغلاق جزئي لطريق الكورنيش لأعمال صيانة",
            "جميع الحقوق محفوظة لجريدة الخليج اليومية © 2024",
        ]
    ),
    core=buses_core_1,
    source="gulf-daily",
    published_at="2024-02-18T08:30:00+03:00",
    slug="doha-wakra-electric-bus-line",
    note="Electric bus story wrapped in furniture: publish-date header, read-more library article, most-viewed list, footer.",
)
buses_2 = add(
    title=indic_digits("35 حافلة كهربائية على خط الدوحة - الوكرة"),
    text="\n".join(
        [
            "نُشر بتاريخ: الأحد 18 فبراير 2024 - 11:05",
            buses_core_2,
            "المصدر: وكالة الأنباء القطرية",
            "كلمات دلالية: قطر، النقل العام، الحافلات الكهربائية، الوكرة",
            "مقالات مشابهة",
            "- مترو الدوحة يمدد ساعات التشغيل خلال رمضان",
            "- خطة لإنشاء 1000 محطة شحن للسيارات الكهربائية",
            "- النقل العام يسجل 40 مليون رحلة في عام",
            "- إطلاق تطبيق جديد لحجز سيارات الأجرة",
            "- افتتاح جسر جديد على طريق سلوى",
            "تابعونا على تويتر | إنستغرام | يوتيوب",
            "© 2024 الدوحة واير",
        ]
    ),
    core=buses_core_2,
    source="doha-wire",
    published_at="2024-02-18T11:05:00+03:00",
    slug="electric-buses-35-doha-wakra",
    note="Same story with Arabic-Indic digits, other furniture: header with harakat (نُشر), source, tags, similar-articles bullets, social line.",
    domain="example.com",
)
buses_3 = add(
    title="الحافلات الكهربائية تصل إلى الوكرة",
    text="\n".join(
        [
            "آخر تحديث: 18 فبراير 2024 - 02:20 م",
            buses_core_3,
            "إقرأ أيضاً:",
            "مطار حمد الدولي يستقبل 4 ملايين مسافر في يناير",
            "استقبل مطار حمد الدولي أكثر من 4 ملايين مسافر خلال شهر يناير الماضي، بزيادة 18 في المئة على أساس سنوي. وعزت إدارة المطار النمو إلى إطلاق وجهات جديدة في آسيا وأفريقيا وتزايد رحلات الترانزيت.",
            "أخبار ذات صلة",
            "- قطر تستضيف مؤتمراً دولياً للنقل المستدام",
            "- تركيب ألواح شمسية على مواقف الحافلات",
            "- وزارة المواصلات تعلن تحويلات مرورية في الوكرة",
            "- تحديث جداول رحلات الحافلات بين المدن",
            "- ارتفاع عدد مستخدمي المترو في عطلة نهاية الأسبوع",
            "البيان أونلاين - جميع الحقوق محفوظة © 2024",
        ]
    ),
    core=buses_core_3,
    source="bayan-online",
    published_at="2024-02-18T14:20:00+03:00",
    slug="electric-buses-reach-wakra",
    note="Same story, third site furniture: update header, read-also airport article, related-news bullets, footer.",
    domain="example.com",
)

# ---------------------------------------------------------------------------
# One site, one template of furniture, four DIFFERENT short stories (not a family)
# ---------------------------------------------------------------------------

SAHIL_TAIL = [
    "المصدر: الساحل نيوز",
    "إقرأ أيضاً:",
    "ميناء عدن يستقبل أكبر سفينة حاويات منذ بداية العام",
    "رست في ميناء عدن سفينة حاويات عملاقة يبلغ طولها 300 متر، محملة بأكثر من 4 آلاف حاوية من البضائع والمواد الغذائية. وقالت مؤسسة موانئ خليج عدن إن عمليات التفريغ ستستمر أربعة أيام، مؤكدة جاهزية الأرصفة لاستقبال سفن أكبر خلال الفترة المقبلة.",
    "الأكثر قراءة",
    "- أسعار صرف العملات في عدن وصنعاء اليوم",
    "- الأرصاد تحذر من موجة حر في المناطق الساحلية",
    "- وزارة التربية تعلن نتائج الشهادة الأساسية",
    "- انقطاع الكهرباء يفاقم معاناة سكان المكلا",
    "- منتخب الناشئين يتأهل إلى نهائيات كأس آسيا",
    "- ارتفاع أسعار الأسماك في سوق الصيادين",
    "- افتتاح طريق جديد يربط عدن بلحج",
    "- الصحة تطلق حملة تحصين ضد شلل الأطفال",
    "جميع الحقوق محفوظة © 2024 الساحل نيوز | تابعونا على تويتر",
]


def sahil_page(header: str, story: str) -> str:
    """A sahil-news page: the site's header line, the story, the site's fixed tail."""
    return "\n".join([header, story, *SAHIL_TAIL])


SAHIL_STORIES = [
    (
        "افتتاح سوق جديد للأسماك في المكلا",
        "آخر تحديث: 6 مايو 2024 - 09:12 ص",
        "المكلا - الساحل نيوز: افتتحت السلطة المحلية في محافظة حضرموت، صباح الاثنين، سوقاً جديداً للأسماك في منطقة خلف بمدينة المكلا، يضم 120 بسطة مجهزة بوحدات تبريد. وقال مدير مكتب الثروة السمكية إن السوق سيخفف الازدحام في السوق القديم ويحسن شروط النظافة وسلامة الغذاء.",
        "2024-05-06T09:12:00+03:00",
        "mukalla-new-fish-market",
        "Short story (fish market in Mukalla) inside the sahil-news furniture shared by {pages}: different story, not a duplicate.",
    ),
    (
        "انقطاع المياه عن أحياء في عدن بسبب عطل في محطة الضخ",
        "آخر تحديث: 12 مايو 2024 - 07:45 م",
        "عدن - الساحل نيوز: توقف ضخ المياه عن أحياء المنصورة والشيخ عثمان في مدينة عدن منذ مساء السبت، إثر عطل فني في محطة الضخ الرئيسية في بئر أحمد. وأعلنت المؤسسة المحلية للمياه أن فرق الصيانة تعمل على إصلاح العطل، متوقعة عودة الضخ خلال 48 ساعة، ودعت المواطنين إلى ترشيد الاستهلاك.",
        "2024-05-12T19:45:00+03:00",
        "aden-water-cut-pumping-station",
        "Short story (water cut in Aden) inside the sahil-news furniture shared by {pages}: different story, not a duplicate.",
    ),
    (
        "جامعة عدن تفتح باب التسجيل للعام الجامعي الجديد",
        "آخر تحديث: 20 مايو 2024 - 11:30 ص",
        "عدن - الساحل نيوز: أعلنت جامعة عدن فتح باب التسجيل والقبول للعام الجامعي الجديد في كلياتها بعدن ولحج وأبين، اعتباراً من الأول من يونيو وحتى نهاية يوليو. وأوضحت الجامعة أن التقديم سيكون إلكترونياً لأول مرة، مع إضافة تخصصين جديدين في هندسة الطاقة المتجددة وعلوم البيانات.",
        "2024-05-20T11:30:00+03:00",
        "aden-university-registration",
        "Short story (university registration) inside the sahil-news furniture shared by {pages}: different story, not a duplicate.",
    ),
    (
        "ارتفاع أسعار الخضار في أسواق الحديدة",
        "آخر تحديث: 27 مايو 2024 - 04:05 م",
        "الحديدة - الساحل نيوز: شهدت أسواق الخضار في مدينة الحديدة ارتفاعاً في أسعار الطماطم والبصل بنسبة تجاوزت 30 في المئة خلال الأسبوع الجاري. وأرجع تجار الارتفاع إلى تراجع الكميات الواردة من المزارع بسبب موجة الحر وارتفاع تكاليف النقل.",
        "2024-05-27T16:05:00+03:00",
        "hodeidah-vegetable-prices",
        "Short story (vegetable prices) inside the sahil-news furniture shared by {pages}: different story, not a duplicate.",
    ),
]

sahil_pages: list[str] = []
for title, header, story, when, slug, note in SAHIL_STORIES:
    sahil_pages.append(
        add(
            title=title,
            text=sahil_page(header, story),
            core=story,
            source="sahil-news",
            published_at=when,
            slug=slug,
            note=note,
        )
    )
for page in sahil_pages:
    NOTES[page] = NOTES[page].format(pages=f"{sahil_pages[0]}-{sahil_pages[-1]}")

# ---------------------------------------------------------------------------
# Related pairs: different stories an editor would link
# ---------------------------------------------------------------------------

wheat = add(
    title="وزير الزراعة: 850 ألف دينار سعر طن الحنطة للموسم الحالي",
    text="بغداد/شبكة أخبار العراق- أعلن وزير الزراعة، عقب انتهاء جلسة مجلس الوزراء الاعتيادية التي عقدت الثلاثاء، أن المجلس أقر سعر شراء طن الحنطة من الفلاحين للموسم الحالي بمبلغ 850 ألف دينار للدرجة الأولى.\nوأوضح الوزير أن الشركة العامة لتجارة الحبوب ستفتح 160 مركزاً تسويقياً في المحافظات اعتباراً من منتصف نيسان، وأن المستحقات ستصرف للمسوقين خلال مدة لا تتجاوز 30 يوماً.\nودعا الفلاحين إلى الالتزام بالمساحات المقررة في الخطة الزراعية، محذراً من أن الحنطة المنتجة خارج الخطة لن تستلم في المراكز الحكومية.",
    source="wakaa",
    published_at="2024-03-26T18:30:00+03:00",
    slug="wheat-price-850k-dinars",
    note="Cabinet session of Tuesday seen through the agriculture minister (wheat purchase price).",
)
water = add(
    title="الموارد المائية تعرض خطة الصيف أمام مجلس الوزراء",
    text="بغداد - الرافدين: عرض وزير الموارد المائية، خلال جلسة مجلس الوزراء الاعتيادية المنعقدة الثلاثاء، الخطة المائية للموسم الصيفي، مؤكداً أن الخزين في سدي الموصل وحديثة وبحيرة الثرثار يكفي لتأمين مياه الشرب وجزء من الاحتياجات الزراعية.\nوقال الوزير في تصريح لاحق إن الخطة تقلص المساحات المزروعة بالشلب إلى 50 ألف دونم في محافظتي النجف والديوانية، وتمنع زراعة المحاصيل الشرهة للمياه في بقية المحافظات.\nوأشار إلى أن مجلس الوزراء وجه بتسريع مشاريع تبطين القنوات واعتماد تقنيات الري بالرش والتنقيط لتقليل الهدر، داعياً الفلاحين إلى الالتزام بالخطة الزراعية.",
    source="rafidain",
    published_at="2024-03-26T20:10:00+03:00",
    slug="water-resources-summer-plan",
    note="Same cabinet session seen through the water resources minister (summer water plan).",
)
coach = add(
    title="مدرب العراق: الفوز على فيتنام خطوة كبيرة لكنه ليس نهاية الطريق",
    text="البصرة - غول عربية: أبدى المدرب الإسباني لمنتخب العراق، مانويل ألبا، رضاه عن أداء لاعبيه في الفوز على فيتنام بثلاثة أهداف مقابل هدف على ملعب جذع النخلة، معتبراً أن النتيجة «خطوة كبيرة لكنها ليست نهاية الطريق» في التصفيات الآسيوية المؤهلة إلى كأس العالم.\nوقال ألبا في مؤتمر صحفي عقده صباح الجمعة في البصرة إن فريقه عانى في الشوط الأول من التسرع وفقدان الكرة في منتصف الملعب، ما منح الفيتناميين ركلة الجزاء التي أدركوا منها التعادل، لكنه نجح بعد الاستراحة في فرض إيقاعه.\nوأشاد بالمهاجم أيمن كريم وبالبديل يوسف عادل، مؤكداً أن الأول «يعيش أفضل فتراته»، كما كشف أن المدافع حسن جبار يعاني من كدمة في الكاحل وسيخضع لفحوص طبية قبل السفر إلى هانوي لخوض مباراة الإياب.\nوختم بالقول إن مواجهة الثلاثاء ستكون أصعب، داعياً اللاعبين إلى عدم الاستهانة بالمنافس أمام جماهيره.",
    source="goal-arabia",
    published_at="2024-03-22T13:40:00+03:00",
    slug="iraq-coach-reaction-vietnam",
    note="Next-day coach reaction to the Iraq 3-1 Vietnam match (related to that family, not a copy).",
    domain="example.com",
)
flood = add(
    title="سيول جارفة تجتاح مدينة تريم في وادي حضرموت",
    text="سيئون - الساحل نيوز: شهدت مدينة تريم ومناطق متفرقة من وادي حضرموت، مساء الأربعاء، أمطاراً غزيرة تسببت في تدفق سيول جارفة أغرقت عشرات المنازل الطينية وقطعت الطريق الرابط بين تريم وسيئون.\nوقال مسؤول في الدفاع المدني إن السيول أودت بحياة شخصين وجرفت عدداً من السيارات، فيما تعمل الفرق على إجلاء الأسر المحاصرة في الأحياء المنخفضة.\nوناشدت السلطة المحلية في الوادي المنظمات الإنسانية تقديم مساعدات عاجلة من خيام ومواد غذائية ومياه نظيفة.",
    source="sahil-news",
    published_at="2024-04-17T22:15:00+03:00",
    slug="tarim-flash-floods",
    note="Flood report: flash floods hit Tarim, Wadi Hadramawt.",
)
convoy = add(
    title="وصول قافلة إغاثية إلى متضرري السيول في تريم",
    text="تريم - «الخليج اليومية»: وصلت إلى مدينة تريم، الأحد، قافلة إغاثية تضم 40 شاحنة محملة بالسلال الغذائية والخيام ومستلزمات الإيواء، مقدمة من الهلال الأحمر لمساعدة الأسر التي تضررت منازلها جراء السيول الأخيرة في وادي حضرموت.\nوأوضح منسق القافلة أن المساعدات ستوزع على نحو 2500 أسرة في تريم والقرى المحيطة بها، بالتنسيق مع السلطة المحلية وفرق المتطوعين.\nوبحسب تقديرات أولية، ألحقت السيول أضراراً بأكثر من 600 منزل، إضافة إلى تدمير أجزاء من شبكة الطرق وقنوات الري في الوادي.",
    source="gulf-daily",
    published_at="2024-04-21T16:00:00+03:00",
    slug="tarim-flood-aid-convoy",
    note="Follow-up: aid convoy reaches flood victims in Tarim four days later.",
)
results = add(
    title="وزير التعليم يعلن نتيجة الثانوية العامة بنسبة نجاح 82,7 في المئة",
    text="القاهرة (خاص) - أعلن وزير التربية والتعليم، اليوم السبت، نتيجة امتحانات الثانوية العامة للعام الدراسي الحالي، بنسبة نجاح بلغت 82,7 في المئة، مقابل 79,1 في المئة العام الماضي.\nوأوضح الوزير في مؤتمر صحفي أن عدد الطلاب المتقدمين للامتحانات بلغ نحو 745 ألف طالب وطالبة، وأن النتيجة ستتاح على الموقع الإلكتروني للوزارة ابتداء من مساء اليوم.\nوأشار إلى أن امتحانات الدور الثاني ستبدأ في الخامس من أغسطس المقبل، داعياً الطلاب الراسبين في مادتين أو أقل إلى تسجيل رغباتهم.",
    source="nile-today",
    published_at="2024-07-20T12:00:00+03:00",
    slug="thanaweya-amma-results-82-7",
    note="Egyptian secondary-school (thanaweya amma) results announced.",
)
topstudent = add(
    title="ابنة قرية في سوهاج الأولى على الثانوية العامة",
    text="سوهاج - دلتا نيوز: لم تصدق الطالبة مريم عبد الحميد، ابنة قرية نزلة القاضي التابعة لمركز طهطا بمحافظة سوهاج، خبر حصولها على المركز الأول على مستوى الجمهورية في امتحانات الثانوية العامة (شعبة علمي علوم)، بمجموع 409 درجات من 410.\nوقالت مريم إنها كانت تذاكر ثماني ساعات يومياً دون دروس خصوصية في معظم المواد، وتحلم بالالتحاق بكلية الطب.\nواحتفل أهالي القرية بالطالبة أمام منزل أسرتها، فيما أجرى وزير التربية والتعليم اتصالاً هاتفياً لتهنئتها بعد إعلان النتيجة.",
    source="delta-news",
    published_at="2024-07-20T19:30:00+03:00",
    slug="sohag-top-student",
    note="Other angle on the thanaweya amma results: the top student from a Sohag village.",
)
fuel = add(
    title="لجنة التسعير ترفع أسعار البنزين والسولار",
    text="القاهرة - أ ش أ: قررت لجنة التسعير التلقائي للمنتجات البترولية رفع أسعار البنزين بأنواعه والسولار اعتباراً من صباح الجمعة، في إطار مراجعتها الدورية التي تجري كل ثلاثة أشهر.\nوبموجب القرار، ارتفع سعر لتر بنزين 92 إلى 13,75 جنيه، وبنزين 80 إلى 12,25 جنيه، فيما ارتفع سعر لتر السولار إلى 11,50 جنيه.\nوقالت وزارة البترول إن القرار يأتي لتقليص الفجوة بين التكلفة الفعلية وسعر البيع، مشيرة إلى أن الدولة ما زالت تتحمل دعماً بمليارات الجنيهات شهرياً للسولار وحده.",
    source="arab-wire",
    published_at="2024-03-22T08:00:00+02:00",
    slug="fuel-price-committee-raises-prices",
    note="Fuel price rise decided by Egypt's automatic pricing committee.",
    domain="example.com",
)
fares = add(
    title="محافظة الجيزة تعلن تعريفة جديدة للميكروباص بعد زيادة السولار",
    text="الجيزة - النيل اليوم: أعلنت محافظة الجيزة تعريفة الركوب الجديدة لسيارات الأجرة والميكروباص داخل المدينة وبين المراكز، بنسب زيادة تتراوح بين 10 و15 في المئة، وذلك عقب قرار لجنة التسعير التلقائي للمنتجات البترولية رفع سعر لتر السولار إلى 11,50 جنيه.\nوقال السكرتير العام للمحافظة إن التعريفة الجديدة ستلصق على زجاج كل سيارة، وإن حملات مرورية ستنتشر في المواقف لضبط السائقين المخالفين.\nواشتكى ركاب في موقف المنيب من أن بعض السائقين رفعوا الأجرة بأكثر من النسب المقررة منذ الساعات الأولى لتطبيق القرار.",
    source="nile-today",
    published_at="2024-03-22T17:20:00+02:00",
    slug="giza-microbus-fares",
    note="Reaction to the fuel price rise: new microbus fares in Giza.",
)
fire = add(
    title="حرائق واسعة في ريف اللاذقية وفرق الإطفاء تواصل عملها",
    text="اللاذقية - ليفانت بوست: اندلعت حرائق واسعة في أحراج ريف اللاذقية الشمالي، بعد ظهر الخميس، وامتدت بسرعة بفعل الرياح الشديدة وارتفاع درجات الحرارة إلى مناطق قريبة من قرى ربيعة وكسب.\nوقالت مديرية الزراعة إن النيران التهمت مساحات من غابات الصنوبر والسنديان، وإن أكثر من 30 سيارة إطفاء تشارك في عمليات الإخماد بمساندة طوافات.\nولم تسجل إصابات بشرية حتى الآن، فيما أخليت عدة منازل احترازياً.",
    source="levant-post",
    published_at="2024-08-15T18:00:00+03:00",
    slug="latakia-countryside-wildfires",
    note="Wildfires in the Latakia countryside.",
)
compensation = add(
    title="تعويضات لمزارعي ريف اللاذقية المتضررين من الحرائق",
    text="اللاذقية - سانا: تفقد محافظ اللاذقية ووزير الزراعة، السبت، المناطق التي طالتها الحرائق في ريف اللاذقية الشمالي بعد السيطرة عليها بشكل كامل، واطلعا على حجم الأضرار في الأراضي الزراعية وبساتين الزيتون والتفاح.\nوأعلن الوزير تشكيل لجان لحصر الأضرار تمهيداً لصرف تعويضات للمزارعين المتضررين، إلى جانب توزيع غراس مجانية لإعادة تشجير نحو 1200 هكتار.\nوقدرت اللجان الأولية أن النيران أتت على أكثر من 900 هكتار من الغابات والأراضي المزروعة قرب كسب وربيعة.",
    source="cedar-news",
    published_at="2024-08-17T14:30:00+03:00",
    slug="latakia-fire-compensation",
    note="Follow-up to the Latakia wildfires: officials' visit and compensation for farmers.",
)
bookfair = add(
    title="انطلاق معرض الرياض الدولي للكتاب بمشاركة 1800 دار نشر",
    text="الرياض - واس: انطلقت مساء الخميس فعاليات معرض الرياض الدولي للكتاب، بمشاركة أكثر من 1800 دار نشر ووكالة من 30 دولة، وتحل سلطنة عمان ضيف شرف هذه الدورة.\nويتضمن البرنامج الثقافي للمعرض أكثر من 200 فعالية بين ندوات وأمسيات شعرية وورش عمل، إضافة إلى منطقة مخصصة لكتب الأطفال.\nويستمر المعرض عشرة أيام، ويفتح أبوابه يومياً من الحادية عشرة صباحاً حتى منتصف الليل.",
    source="gulf-daily",
    published_at="2024-09-26T21:00:00+03:00",
    slug="riyadh-book-fair-opens",
    note="Riyadh International Book Fair opens.",
)
booksales = add(
    title="مبيعات قياسية في معرض الرياض للكتاب",
    text="الرياض - نجد بوست: كشفت هيئة الأدب والنشر والترجمة أن مبيعات معرض الرياض الدولي للكتاب تجاوزت 28 مليون ريال في أيامه السبعة الأولى، وسط إقبال لافت من الشباب على الروايات وكتب تطوير الذات.\nوقال عدد من الناشرين إن جناح سلطنة عمان، ضيف شرف المعرض، استقطب أعداداً كبيرة من الزوار بفضل معروضات المخطوطات والحرف التقليدية.\nوأضافت الهيئة أن عدد زوار المعرض تخطى 900 ألف زائر، متوقعة أن يتجاوز المليون قبل الختام.",
    source="najd-post",
    published_at="2024-10-03T10:15:00+03:00",
    slug="riyadh-book-fair-record-sales",
    note="Later story on the same book fair: record sales and visitor numbers.",
)
firstcargo = add(
    title="وصول أول دفعة من نفط الإقليم إلى جيهان بعد استئناف الضخ",
    text="أربيل - «الخليج اليومية»: وصلت أول دفعة من النفط الخام المنتج في حقول إقليم كردستان إلى خزانات ميناء جيهان التركي، صباح الاثنين، بعد استئناف الضخ عبر الأنبوب العراقي التركي بموجب الاتفاق الأخير بين بغداد وأربيل.\nوأفاد مسؤول في شركة تسويق النفط (سومو) بأن الكمية المضخوخة في اليوم الأول بلغت نحو 180 ألف برميل، على أن ترتفع تدريجياً خلال الأسابيع المقبلة، وأن ناقلة تستعد لتحميل أول شحنة لبيعها في الأسواق الأوروبية.\nوأشار إلى أن فنيين من الجانبين يراقبون على مدار الساعة قراءات عدادات القياس في فيشخابور.",
    source="gulf-daily",
    published_at="2024-02-05T12:30:00+03:00",
    slug="first-kurdistan-crude-reaches-ceyhan",
    note="Follow-up to the Kurdistan oil agreement: first crude reaches Ceyhan.",
)

# ---------------------------------------------------------------------------
# Template groups: one wording, other figures (never duplicates)
# ---------------------------------------------------------------------------

GOLD = (
    "القاهرة - النيل اليوم: شهدت أسعار الذهب في محلات الصاغة المصرية {move} خلال تعاملات اليوم {day}، "
    "إذ سجل سعر جرام الذهب عيار 21، الأكثر تداولاً، نحو {k21} جنيهاً، فيما بلغ سعر جرام الذهب عيار 24 "
    "نحو {k24} جنيهاً، وعيار 18 نحو {k18} جنيهاً.\nوسجل سعر الجنيه الذهب {pound} جنيهاً، بينما بلغ سعر "
    "الأوقية في البورصة العالمية {ounce} دولاراً.\nوينصح خبراء المشغولات الذهبية بمتابعة تحركات الأسعار "
    "العالمية وسعر صرف الدولار قبل اتخاذ قرار الشراء أو البيع."
)
gold_ids = [
    add(
        title=f"أسعار الذهب اليوم {day}: عيار 21 يسجل {k21} جنيهاً",
        text=GOLD.format(move=move, day=day, k21=k21, k24=k24, k18=k18, pound=pound, ounce=ounce),
        source="nile-today",
        published_at=when,
        slug=slug,
        note=f"Gold price template, {day}: same wording, other prices.",
    )
    for move, day, k21, k24, k18, pound, ounce, when, slug in [
        ("ارتفاعاً", "الأحد 14 أبريل 2024", "3150", "3600", "2700", "25200", "2344", "2024-04-14T13:00:00+02:00", "gold-prices-2024-04-14"),
        ("ارتفاعاً", "الاثنين 15 أبريل 2024", "3185", "3640", "2730", "25480", "2361", "2024-04-15T13:00:00+02:00", "gold-prices-2024-04-15"),
        ("تراجعاً", "الثلاثاء 16 أبريل 2024", "3120", "3566", "2674", "24960", "2330", "2024-04-16T13:00:00+02:00", "gold-prices-2024-04-16"),
    ]
]

WEATHER = (
    "بغداد/شبكة أخبار العراق- توقعت الهيئة العامة للأنواء الجوية والرصد الزلزالي أن يكون طقس يوم {day} "
    "في المنطقة الوسطى صحواً، ودرجات الحرارة {trend} عن اليوم السابق، والرياح شمالية غربية بسرعة {wind} كم/ساعة.\n"
    "وأضافت الهيئة في نشرتها اليومية أن درجة الحرارة العظمى ستبلغ في بغداد {baghdad} درجة مئوية، وفي البصرة "
    "{basra} درجة، وفي الموصل {mosul} درجة، فيما تكون الرؤية الأفقية بين {vis_lo} و{vis_hi} كيلومترات.\n"
    "وفي المنطقتين الشمالية والجنوبية، يكون الطقس صحواً مع تصاعد للغبار في بعض الأماكن خلال ساعات الظهيرة. "
    "ودعت الهيئة المواطنين إلى تجنب التعرض المباشر لأشعة الشمس بين الحادية عشرة صباحاً والرابعة عصراً."
)
weather_ids = [
    add(
        title=f"الأنواء الجوية: {baghdad} درجة مئوية في بغداد يوم {day.split()[0]}",
        text=WEATHER.format(
            day=day, trend=trend, wind=wind, baghdad=baghdad, basra=basra, mosul=mosul, vis_lo=lo, vis_hi=hi
        ),
        source="wakaa",
        published_at=when,
        slug=slug,
        note=f"Weather bulletin template for {day}: same wording, other temperatures.",
    )
    for day, trend, wind, baghdad, basra, mosul, lo, hi, when, slug in [
        ("السبت 20 تموز", "مقاربة", "20-30", "48", "50", "45", "6", "8", "2024-07-19T20:00:00+03:00", "weather-2024-07-20"),
        ("الأحد 21 تموز", "مرتفعة قليلاً", "15-25", "49", "51", "46", "5", "8", "2024-07-20T20:00:00+03:00", "weather-2024-07-21"),
        ("الاثنين 22 تموز", "منخفضة قليلاً", "25-35", "47", "49", "44", "4", "6", "2024-07-21T20:00:00+03:00", "weather-2024-07-22"),
    ]
]

TASI = (
    "الرياض - واس: أغلق مؤشر سوق الأسهم السعودية الرئيسية (تاسي) جلسة اليوم {day} {direction} {points} نقطة، "
    "ليستقر عند مستوى {level} نقطة، وبتداولات بلغت قيمتها {value} مليار ريال.\nوبلغت كمية الأسهم المتداولة "
    "{volume} مليون سهم، تقاسمتها أكثر من {deals} ألف صفقة، سجلت فيها أسهم {up} شركة ارتفاعاً في قيمتها، "
    "فيما أغلقت أسهم {down} شركة على تراجع.\nوكانت أسهم شركات {gainers} الأكثر ارتفاعاً، في حين كانت أسهم "
    "شركات {losers} الأكثر انخفاضاً.\nكما أغلق مؤشر الأسهم الموازية (نمو) {nomu_direction} {nomu_points} نقطة "
    "ليقفل عند مستوى {nomu} نقطة."
)
TASI_DAYS = [
    (
        {
            "day": "الأحد", "direction": "مرتفعاً", "points": "42,17", "level": "12109,35",
            "value": "6,1", "volume": "298", "deals": "488", "up": "143", "down": "88",
            "gainers": "مدار للتقنية، ونخيل للأغذية، وسدير للتعدين",
            "losers": "بحر للشحن، وواحة للتأمين، والأفق للعقار",
            "nomu_direction": "مرتفعاً", "nomu_points": "95,40", "nomu": "26120,70",
        },
        "2024-09-01T16:10:00+03:00",
        "tasi-close-2024-09-01",
    ),
    (
        {
            "day": "الاثنين", "direction": "منخفضاً", "points": "57,82", "level": "12051,53",
            "value": "5,4", "volume": "261", "deals": "431", "up": "71", "down": "162",
            "gainers": "الواحة للإسمنت، ورمال للاستثمار، وثمار للأغذية",
            "losers": "مدار للتقنية، والبيان للتأمين، وصحارى للبتروكيماويات",
            "nomu_direction": "منخفضاً", "nomu_points": "120,15", "nomu": "26000,55",
        },
        "2024-09-02T16:10:00+03:00",
        "tasi-close-2024-09-02",
    ),
    (
        {
            "day": "الثلاثاء", "direction": "مرتفعاً", "points": "18,64", "level": "12070,17",
            "value": "5,9", "volume": "274", "deals": "462", "up": "119", "down": "104",
            "gainers": "شروق للطاقة، وسدير للتعدين، ونجمة للاتصالات",
            "losers": "ثمار للأغذية، والأفق للعقار، وقمة للتأمين",
            "nomu_direction": "مرتفعاً", "nomu_points": "33,90", "nomu": "26034,45",
        },
        "2024-09-03T16:10:00+03:00",
        "tasi-close-2024-09-03",
    ),
]
tasi_ids = [
    add(
        title=f"مؤشر الأسهم السعودية يغلق {row['direction']} {row['points']} نقطة",
        text=TASI.format(**row),
        source="gulf-daily",
        published_at=when,
        slug=slug,
        note=f"Stock market close template ({row['day']}): same wording, other figures and company names.",
    )
    for row, when, slug in TASI_DAYS
]

# ---------------------------------------------------------------------------
# Unrelated stories (each its own story) and short briefs
# ---------------------------------------------------------------------------

UNRELATED = [
    (
        "انطلاق موسم جني التمور في بساتين البصرة",
        "البصرة - الرافدين: انطلق موسم جني التمور في بساتين قضاءي أبي الخصيب وشط العرب شرقي البصرة، وسط توقعات بارتفاع الإنتاج بنحو 15 في المئة مقارنة بالموسم الماضي.\nوقال مدير زراعة البصرة إن حملات مكافحة حشرة الدوباس بالطائرات المسيرة، وتحسن الإطلاقات المائية في شط العرب، أسهما في زيادة الغلة وتحسين نوعية أصناف البرحي والساير والحلاوي.\nوأضاف أن المديرية تعمل مع التجار على فتح منافذ لتصدير الفائض إلى دول الخليج وتركيا، مطالباً بتوفير مخازن مبردة قرب البساتين لتقليل الفاقد.",
        "rafidain", "2023-09-18T10:30:00+03:00", "basra-date-harvest",
        "Unrelated: date harvest in Basra.",
    ),
    (
        "شركة «مسار» الناشئة تجمع 12 مليون دولار لتوسيع خدمات الدفع",
        "القاهرة - النيل اليوم: أعلنت شركة «مسار» الناشئة المتخصصة في حلول الدفع الإلكتروني للمتاجر الصغيرة، ومقرها القاهرة، إتمام جولة تمويلية بقيمة 12 مليون دولار بقيادة صندوق استثمار إقليمي ومشاركة مستثمرين أفراد.\nوقال المؤسس والرئيس التنفيذي للشركة، طارق منصور، إن التمويل سيوجه إلى التوسع في محافظات الصعيد والدلتا وإطلاق خدمة لتمويل المخزون تتيح للتجار الشراء الآن والسداد لاحقاً.\nوتخدم الشركة حالياً أكثر من 40 ألف متجر، وتعالج معاملات شهرية تتجاوز قيمتها 900 مليون جنيه.",
        "nile-today", "2024-05-14T11:00:00+03:00", "masar-fintech-raises-12m",
        "Unrelated: Cairo fintech start-up funding round.",
    ),
    (
        "الكشف عن أرضية فسيفسائية بيزنطية في جرش",
        "جرش - عمّان اليومية: كشفت بعثة أثرية أردنية أوروبية مشتركة عن أرضية فسيفسائية تعود إلى العصر البيزنطي في موقع كنيسة قديمة جنوب المدينة الأثرية في جرش، تزين أجزاءها مشاهد صيد وطيور ونقوش يونانية.\nوقال رئيس البعثة إن الفسيفساء التي تبلغ مساحتها نحو 80 متراً مربعاً حافظت على ألوانها بشكل لافت، وإن النقش الرئيسي يحمل أسماء متبرعين أسهموا في بناء الكنيسة في القرن السادس الميلادي.\nوأعلنت دائرة الآثار العامة أنها ستغطي الموقع مؤقتاً لحمايته، تمهيداً لتجهيزه لاستقبال الزوار.",
        "amman-daily", "2023-10-25T09:40:00+03:00", "jerash-byzantine-mosaic",
        "Unrelated: archaeology, Byzantine mosaic in Jerash.",
    ),
    (
        "حملة وطنية للكشف المبكر عن السكري في الجزائر",
        "الجزائر - وكالات: أطلقت وزارة الصحة الجزائرية حملة وطنية للكشف المبكر عن داء السكري وارتفاع ضغط الدم، تشمل جميع الولايات وتستمر شهراً كاملاً.\nوتتضمن الحملة فحوصاً مجانية في المؤسسات الصحية الجوارية ووحدات متنقلة في الأسواق والساحات العامة، إضافة إلى حصص توعوية حول التغذية الصحية وممارسة الرياضة.\nوتشير تقديرات رسمية إلى أن نحو 14 في المئة من البالغين في البلاد مصابون بالسكري، كثير منهم لا يعلمون بإصابتهم.",
        "arab-wire", "2023-11-14T10:00:00+01:00", "algeria-diabetes-screening",
        "Unrelated: diabetes screening campaign in Algeria.",
    ),
    (
        "التونسية سلمى الفرجاني تتوج بلقب بطولة إسطنبول للتنس",
        "تونس - قرطاج نيوز: توجت لاعبة التنس التونسية سلمى الفرجاني بلقب بطولة إسطنبول الدولية للسيدات، بعد فوزها في المباراة النهائية على منافستها الرومانية بمجموعتين دون رد (6-4 و7-5).\nوهو اللقب الثاني للاعبة البالغة 22 عاماً هذا الموسم، ما سيسمح لها بالتقدم إلى المركز السابع والستين في التصنيف العالمي.\nوقالت الفرجاني عقب التتويج إنها تستعد للمشاركة في بطولة رولان غاروس، وتأمل تجاوز الدور الثاني للمرة الأولى في مسيرتها.",
        "carthage-news", "2024-04-28T20:45:00+01:00", "ferjani-istanbul-title",
        "Unrelated: tennis title for a Tunisian player.",
    ),
    (
        "«بيت على حافة الملح» تفوز بجائزة الرواية العربية الجديدة",
        "أبوظبي - البيان أونلاين: فازت رواية «بيت على حافة الملح» للكاتبة السودانية نور الهدى عثمان بجائزة الرواية العربية الجديدة في دورتها السادسة، من بين 140 عملاً تقدمت للمنافسة من 17 دولة.\nوقالت لجنة التحكيم في حيثيات قرارها إن الرواية تقدم سرداً متماسكاً عن ثلاثة أجيال من عائلة تعيش على ساحل البحر الأحمر، بلغة شعرية مقتصدة.\nوتبلغ قيمة الجائزة 50 ألف دولار، إضافة إلى ترجمة الرواية الفائزة إلى اللغة الإنجليزية.",
        "bayan-online", "2024-05-02T19:00:00+04:00", "new-arabic-novel-prize",
        "Unrelated: literary prize for a novel.",
    ),
    (
        "مطار الكويت يستقبل 1,4 مليون مسافر في يوليو",
        "الكويت - كونا: أعلنت الإدارة العامة للطيران المدني أن مطار الكويت الدولي استقبل نحو 1,4 مليون مسافر خلال شهر يوليو الماضي، بزيادة 11 في المئة عن الشهر ذاته من العام الماضي، مع ذروة موسم السفر الصيفي.\nوأوضحت الإدارة أن عدد الرحلات التجارية بلغ أكثر من 10 آلاف رحلة، وأن القاهرة ودبي وإسطنبول تصدرت قائمة الوجهات الأكثر طلباً.\nوأشارت إلى أن العمل في مبنى الركاب الجديد يسير وفق الجدول الزمني المحدد.",
        "khaleej-wire", "2024-08-05T09:20:00+03:00", "kuwait-airport-july-passengers",
        "Unrelated: airport passenger figures in Kuwait.",
    ),
    (
        "أكثر من 4 آلاف عش للسلاحف الخضراء في رأس الجنز",
        "مسقط - العمانية: سجلت محمية السلاحف في رأس الجنز بولاية صور أكثر من 4 آلاف عش للسلاحف الخضراء منذ بداية موسم التعشيش، وفق ما أعلنته هيئة البيئة.\nوأوضحت الهيئة أن فرق الرصد تعمل ليلاً على حماية الأعشاش من الحيوانات المفترسة ومن الإزعاج الضوئي، داعية زوار الشاطئ إلى الالتزام بالإرشادات وعدم استخدام الإضاءة القوية.\nوتعد شواطئ السلطنة من أهم مواقع تعشيش السلاحف الخضراء في المحيط الهندي.",
        "gulf-daily", "2024-08-12T08:30:00+04:00", "ras-al-jinz-green-turtles",
        "Unrelated: turtle nesting season in Oman.",
    ),
    (
        "مصرع ثلاثة أشخاص بحادث سير على طريق بغداد - كركوك",
        "كركوك - الرافدين: لقي ثلاثة أشخاص مصرعهم وأصيب أربعة آخرون بجروح، فجر السبت، في حادث تصادم بين شاحنة حمل وسيارة أجرة على الطريق الرابط بين بغداد وكركوك، قرب قضاء طوزخورماتو.\nوقال مصدر في مديرية المرور إن الحادث وقع بسبب السرعة الزائدة وضعف الإنارة على الطريق، مشيراً إلى نقل المصابين إلى مستشفى الطوارئ في المدينة.\nويطالب سكان المنطقة منذ سنوات بتأهيل الطريق وإضافة حواجز وسطية للحد من الحوادث المتكررة.",
        "rafidain", "2024-02-24T07:50:00+03:00", "baghdad-kirkuk-road-crash",
        "Unrelated: road accident near Tuz Khurmatu.",
    ),
    (
        "رخص تجريبية لإطلاق الجيل الخامس في الجزائر",
        "الجزائر - وكالات: أعلنت سلطة ضبط البريد والاتصالات الإلكترونية منح رخص تجريبية لثلاثة متعاملين للهاتف النقال لإطلاق خدمات الجيل الخامس في الجزائر العاصمة ووهران وقسنطينة، ابتداء من الشهر المقبل.\nوأوضحت السلطة أن المرحلة التجريبية ستدوم ستة أشهر، يتم خلالها تقييم جودة التغطية وسرعة التدفق قبل منح الرخص النهائية.\nويتوقع مختصون أن تسهم التقنية الجديدة في تطوير خدمات الدفع الإلكتروني والصناعات الذكية.",
        "arab-wire", "2024-06-03T12:00:00+01:00", "algeria-5g-trial-licences",
        "Unrelated: 5G trial licences in Algeria.",
    ),
    (
        "افتتاح مدرسة عليا للذكاء الاصطناعي في الدار البيضاء",
        "الدار البيضاء - أطلس أنفو: افتتحت بالدار البيضاء مدرسة عليا متخصصة في الذكاء الاصطناعي وعلوم البيانات، تستقبل في فوجها الأول 240 طالباً تم انتقاؤهم من بين أكثر من 5 آلاف مترشح.\nوتقدم المدرسة تكويناً يمتد خمس سنوات بشراكة مع مقاولات في قطاعي البنوك والصناعة، يتضمن تداريب ميدانية إلزامية ابتداء من السنة الثالثة.\nوأكد مدير المؤسسة أن الهدف هو تكوين كفاءات قادرة على تلبية حاجيات السوق المتزايدة في مجال تحليل البيانات.",
        "atlas-info", "2023-10-02T17:00:00+01:00", "casablanca-ai-school",
        "Unrelated: new AI school in Casablanca.",
    ),
    (
        "إطلاق القمر الصناعي الإماراتي «سراب-1» لرصد الأرض",
        "دبي - الخليج اليومية: أطلق بنجاح، فجر الأربعاء، القمر الصناعي الإماراتي «سراب-1» المخصص لرصد الأرض، على متن صاروخ من قاعدة إطلاق في ولاية كاليفورنيا الأمريكية.\nوقال مدير المشروع إن القمر الذي صممه مهندسون إماراتيون بالكامل سيلتقط صوراً عالية الدقة تستخدم في التخطيط العمراني ومراقبة التغيرات البيئية والسواحل.\nوأضاف أن المحطة الأرضية استقبلت أولى الإشارات بعد نحو ساعة من الإطلاق، وأن القمر سيبدأ عمله الفعلي بعد شهرين من الاختبارات.",
        "gulf-daily", "2024-01-24T06:20:00+04:00", "sarab-1-satellite-launch",
        "Unrelated: launch of an Earth-observation satellite.",
    ),
    (
        "انطلاق مهرجان الهجن الصيفي في الطائف",
        "الطائف - نجد بوست: انطلقت على ميدان الهجن في الطائف منافسات مهرجان الهجن الصيفي، بمشاركة أكثر من 14 ألف مطية من داخل المملكة ودول الخليج، وبجوائز يتجاوز مجموعها 50 مليون ريال.\nوتتوزع المنافسات على 12 يوماً، تتضمن أشواطاً للفئات العمرية المختلفة من الهجن، إضافة إلى أشواط مخصصة للمالكين من الشباب.\nوأوضحت اللجنة المنظمة أن جميع الأشواط تقام بالمركبات الآلية بدلاً من الركبية التقليدية، التزاماً بمعايير السلامة.",
        "najd-post", "2024-08-01T18:30:00+03:00", "taif-camel-racing-festival",
        "Unrelated: camel racing festival in Taif.",
    ),
    (
        "اتفاقية لإنشاء محطة تحلية جديدة في العقبة",
        "العقبة - عمّان اليومية: وقعت وزارة المياه والري اتفاقية مع تحالف شركات لإنشاء محطة لتحلية مياه البحر في العقبة بطاقة إنتاجية تبلغ 60 مليون متر مكعب سنوياً.\nوقال وزير المياه إن المحطة ستعمل جزئياً بالطاقة الشمسية، وستضخ المياه المحلاة إلى محافظات الجنوب لتخفيف العجز المائي في فصل الصيف.\nومن المتوقع أن يستغرق تنفيذ المشروع ثلاث سنوات، بكلفة تقديرية تبلغ نحو 400 مليون دينار.",
        "amman-daily", "2024-01-30T13:15:00+03:00", "aqaba-desalination-plant",
        "Unrelated: desalination plant agreement in Aqaba.",
    ),
    (
        "إعادة افتتاح سوق السراي التاريخي في الموصل بعد ترميمه",
        "الموصل/شبكة أخبار العراق- أعيد افتتاح سوق السراي التاريخي في الجانب الأيمن من مدينة الموصل، بعد انتهاء أعمال ترميم استمرت عامين وشملت 90 محلاً وسقوفاً مقوسة وأزقة مرصوفة بالحجر.\nوقال محافظ نينوى خلال حفل الافتتاح إن المشروع أعاد الحياة إلى واحد من أقدم أسواق المدينة، وأسهم في عودة عشرات الحرفيين من صناع النحاس والأقمشة.\nوأشار إلى أن أعمال التأهيل ستنتقل إلى الأسواق المجاورة في المدينة القديمة خلال العام المقبل.",
        "wakaa", "2024-04-05T11:45:00+03:00", "mosul-saray-market-reopens",
        "Unrelated: restored historic market in Mosul.",
    ),
    (
        "الزمالك يتوج بلقب البطولة الأفريقية لأندية كرة اليد",
        "القاهرة - النيل اليوم: توج فريق الزمالك لكرة اليد بلقب بطولة أفريقيا للأندية أبطال الدوري، بعد فوزه في المباراة النهائية على منافسه التونسي بنتيجة 31-27.\nوتقدم الزمالك في الشوط الأول بفارق ثلاثة أهداف، قبل أن يحسم اللقاء في الدقائق العشر الأخيرة بفضل تألق حارس مرماه.\nوبهذا التتويج يتأهل الفريق للمشاركة في بطولة العالم للأندية التي تقام في الخريف المقبل.",
        "nile-today", "2024-05-19T22:30:00+03:00", "zamalek-african-handball-title",
        "Unrelated: African club handball title.",
    ),
    (
        "التصرفات العقارية في دبي تتجاوز 14 مليار درهم في أسبوع",
        "دبي - البيان أونلاين: بلغت قيمة التصرفات العقارية في دبي خلال الأسبوع المنتهي يوم الجمعة نحو 14,2 مليار درهم، موزعة على أكثر من 3800 صفقة بين مبايعات ورهون وهبات.\nوتصدرت منطقة جميرا قائمة المناطق من حيث قيمة المبايعات، تلتها مرسى دبي والخليج التجاري، فيما سجلت الشقق السكنية النصيب الأكبر من عدد الصفقات.\nويعزو مختصون استمرار النشاط إلى تدفق المستثمرين الأجانب وإطلاق مشاريع جديدة على الخارطة.",
        "bayan-online", "2024-06-08T10:00:00+04:00", "dubai-real-estate-weekly",
        "Unrelated: weekly real-estate transactions in Dubai.",
    ),
    (
        "إحباط محاولة تهريب مواد مخدرة على الحدود الشمالية",
        "عمّان - بترا: أحبطت القوات المسلحة الأردنية، فجر الأحد، محاولة تسلل وتهريب كميات كبيرة من المواد المخدرة على الواجهة الحدودية الشمالية، مستغلة الأحوال الجوية والضباب الكثيف.\nوقال مصدر عسكري إن قوات حرس الحدود طبقت قواعد الاشتباك، ما أدى إلى تراجع المهربين إلى العمق، وضبطت كميات من الحبوب المخدرة ومادة الحشيش.\nوأضاف أن المضبوطات سلمت إلى الجهات المختصة، مؤكداً أن القوات ستواصل التصدي بحزم لأي محاولة تهريب.",
        "petra-wire", "2024-01-07T09:00:00+03:00", "northern-border-smuggling-foiled",
        "Unrelated: drug smuggling attempt foiled on a border.",
    ),
    (
        "استئناف رحلات العبارة بين بورتسودان وجدة",
        "بورتسودان - وكالات: استأنفت العبارة «البحر الأحمر» رحلاتها المنتظمة بين ميناءي بورتسودان وجدة، بعد توقف دام أسبوعين لأعمال صيانة دورية، بمعدل رحلتين أسبوعياً.",
        "arab-wire", "2024-03-11T08:15:00+02:00", "port-sudan-jeddah-ferry",
        "Unrelated brief: ferry service resumes.",
    ),
    (
        "غدامس تستعد لمهرجانها السياحي السنوي",
        "غدامس - وكالات: تستعد مدينة غدامس الليبية لاستضافة مهرجانها السياحي السنوي نهاية الشهر الجاري، بمشاركة فرق فنون شعبية من مدن الجنوب، وسط توقعات بزيادة عدد الزوار الأجانب.",
        "maghreb-press", "2023-10-18T12:00:00+02:00", "ghadames-tourism-festival",
        "Unrelated brief: tourism festival in Ghadames.",
    ),
    (
        "موريتانيا تبدأ فترة الراحة البيولوجية للأخطبوط",
        "نواكشوط - وكالات: بدأت موريتانيا، اليوم الأحد، تطبيق فترة الراحة البيولوجية لصيد الأخطبوط التي تستمر شهرين، بهدف حماية المخزون السمكي خلال موسم التكاثر.",
        "rif-today", "2024-09-15T10:30:00+00:00", "mauritania-octopus-fishing-pause",
        "Unrelated brief: biological rest for octopus fishing.",
    ),
]

unrelated_ids = [
    add(title=title, text=text, source=source, published_at=when, slug=slug, note=note)
    for title, text, source, when, slug, note in UNRELATED
]

# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------

FAMILIES: list[tuple[str, list[str], str]] = [
    ("F01", [oil_1, oil_2, oil_3, oil_4, oil_5], "wire copy; datelines, hamza dropped, Kurdish letters ی/ک and کوردستان, sentence dropped/added, 70% teaser, harakat + tatweel + closing paragraph"),
    ("F02", [flu_1, flu_2, flu_3], "harakat, Arabic-Indic digits, extra closing paragraph"),
    ("F03", [metro_1, metro_2, metro_3], "Egyptian spelling (ى for final ي, ه for final ة), paragraph dropped, extra closing paragraph"),
    ("F04", [dams_1, dams_2, dams_3], "tatweel, Arabic-Indic digits with decimal comma, cut at a sentence near 70%"),
    ("F05", [match_1, match_2, match_3], "tatweel (العـــراقي), Arabic-Indic digits, last sentence swapped for another"),
    ("F06", [power_1, power_2, power_3], "harakat + closing paragraph, hamza dropped + Arabic-Indic digits"),
    ("F07", [olive_1, olive_2, olive_3, olive_4], "final ة as ه + last paragraph dropped, Arabic-Indic digits + closing paragraph, cut near 70%"),
    ("F08", [rate_1, rate_2, rate_3], "hamza dropped + Arabic-Indic digits, tatweel + last paragraph dropped"),
    ("F09", [collapse_1, collapse_2, collapse_3], "story and its later update (toll 5 -> 9, two new paragraphs), Egyptian spelling copy"),
    ("F10", [tourism_1, tourism_2], "hamza dropped, Arabic-Indic digits, one sentence added"),
    ("F11", [budget_1, budget_2, budget_3], "page furniture (two different sites) around the same wire story; one bare copy"),
    ("F12", [sme_1, sme_2, sme_3], "page furniture with Maghrebi month names (نونبر); one bare copy with extra paragraph"),
    ("F13", [rides_1, rides_2, rides_3], "page furniture with Levantine month names (تشرين الثاني); bare copy with harakat"),
    ("F14", [buses_1, buses_2, buses_3], "three different sites' furniture around one story"),
]
FURNITURE_FAMILIES = {"F11", "F12", "F13", "F14"}

RELATED: list[tuple[str, str, str]] = [
    (wheat, water, "same cabinet session, two ministers"),
    (match_1, coach, "match report and next-day coach reaction"),
    (flood, convoy, "flood report and later aid convoy"),
    (results, topstudent, "exam results and the top student"),
    (fuel, fares, "fuel price rise and the fare reaction"),
    (fire, compensation, "wildfire and compensation visit"),
    (bookfair, booksales, "book fair opening and record sales"),
    (oil_1, firstcargo, "oil agreement and first cargo at Ceyhan"),
]

TEMPLATES: list[tuple[str, list[str], str]] = [
    ("T1", gold_ids, "gold prices in Egypt on three days"),
    ("T2", weather_ids, "Iraqi weather bulletin for three days"),
    ("T3", tasi_ids, "Saudi stock market close on three days"),
]

SAME_SITE_PAGES = sahil_pages


def labels() -> dict[str, object]:
    """The labels file content."""
    return {
        "duplicate_families": [members for _, members, _ in FAMILIES],
        "related_pairs": [[a, b] for a, b, _ in RELATED],
        "template_groups": [members for _, members, _ in TEMPLATES],
        "notes": NOTES,
    }


# ---------------------------------------------------------------------------
# Writing and checking
# ---------------------------------------------------------------------------


def write() -> None:
    """Write articles.jsonl and labels.json next to this script."""
    lines = [json.dumps(article, ensure_ascii=False) + "\n" for article in ARTICLES]
    (HERE / "articles.jsonl").write_text("".join(lines), encoding="utf-8")
    (HERE / "labels.json").write_text(format_labels(labels()), encoding="utf-8")


def format_labels(content: dict[str, object]) -> str:
    """JSON with one group, pair or note per line (easy to read and to diff)."""
    blocks = []
    for key, value in content.items():
        if isinstance(value, dict):
            items = [f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in value.items()]
            blocks.append(f'  "{key}": {{\n' + ",\n".join(items) + "\n  }")
        else:
            if not isinstance(value, list):
                raise TypeError(f"labels[{key!r}] must be a list or a dict, not {type(value).__name__}")
            items = [f"    {json.dumps(v, ensure_ascii=False)}" for v in value]
            blocks.append(f'  "{key}": [\n' + ",\n".join(items) + "\n  ]")
    return "{\n" + ",\n".join(blocks) + "\n}\n"


_FOLD = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "\u06cc": "ي", "\u06a9": "ك", "ة": "ه",
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
    }
)
_DROP = dict.fromkeys([*range(0x064B, 0x0653), 0x0640])


def rough_normalize(text: str) -> str:
    """The check's rough normalization (not the library's)."""
    text = text.translate(_DROP).translate(_FOLD)
    text = "".join(ch if unicodedata.category(ch)[0] in "LN" else " " for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def shingles(text: str, k: int = 5) -> set[str]:
    """Character k-grams of the normalized text."""
    norm = rough_normalize(text)
    return {norm[i : i + k] for i in range(len(norm) - k + 1)}


def similarity(a: str, b: str) -> tuple[float, float]:
    """(Jaccard, containment of the smaller set) of two texts' 5-gram sets."""
    sa, sb = shingles(a), shingles(b)
    inter = len(sa & sb)
    return inter / len(sa | sb), inter / min(len(sa), len(sb))


def check() -> int:
    """Validate the written files and print the similarity numbers; return an exit code."""
    problems: list[str] = []
    rows = [json.loads(line) for line in (HERE / "articles.jsonl").read_text("utf-8").splitlines()]
    lab = json.loads((HERE / "labels.json").read_text("utf-8"))
    ids = [r["id"] for r in rows]
    texts = {r["id"]: r["text"] for r in rows}
    if len(ids) != len(set(ids)):
        problems.append("duplicate ids")
    for r in rows:
        if set(r) != {"id", "title", "text", "source", "published_at", "url"}:
            problems.append(f"{r['id']}: fields {sorted(r)}")
        if not r["url"].startswith(("https://example.org/", "https://example.com/")):
            problems.append(f"{r['id']}: url {r['url']}")
    labelled = [
        *itertools.chain.from_iterable(lab["duplicate_families"]),
        *itertools.chain.from_iterable(lab["related_pairs"]),
        *itertools.chain.from_iterable(lab["template_groups"]),
        *lab["notes"],
    ]
    problems += [f"label id {i} not in articles" for i in labelled if i not in texts]
    in_family = list(itertools.chain.from_iterable(lab["duplicate_families"]))
    if len(in_family) != len(set(in_family)):
        problems.append("duplicate families overlap")
    family_of = {i: n for n, fam in enumerate(lab["duplicate_families"]) for i in fam}
    for a, b in lab["related_pairs"]:
        if a in family_of and family_of.get(a) == family_of.get(b):
            problems.append(f"related pair {a},{b} is inside one family")
    joined = "".join(texts.values())
    if "\u06cc" not in joined or "\u06a9" not in joined:
        problems.append("Kurdish/Persian letters missing")

    print(f"articles: {len(rows)}  families: {len(lab['duplicate_families'])}  "
          f"related pairs: {len(lab['related_pairs'])}  template groups: {len(lab['template_groups'])}")
    print("\nduplicate families: min pairwise Jaccard / min containment (rough normalization)")
    for name, members, _ in FAMILIES:
        pairs = list(itertools.combinations(members, 2))
        whole = [similarity(texts[a], texts[b]) for a, b in pairs]
        line = f"  {name} {','.join(members)}: whole text J={min(j for j, _ in whole):.3f} C={min(c for _, c in whole):.3f}"
        if name in FURNITURE_FAMILIES:
            core = [similarity(CORES[a], CORES[b]) for a, b in pairs]
            line += f" | story only J={min(j for j, _ in core):.3f} C={min(c for _, c in core):.3f}"
        print(line)
    print("\nrelated pairs: Jaccard / containment")
    for a, b, why in RELATED:
        j, c = similarity(texts[a], texts[b])
        print(f"  {a}-{b} J={j:.3f} C={c:.3f}  ({why})")
        if j >= 0.3:
            problems.append(f"related pair {a},{b} Jaccard {j:.3f} >= 0.3")
    print("\ntemplate groups: max pairwise Jaccard")
    for name, members, why in TEMPLATES:
        js = [similarity(texts[a], texts[b])[0] for a, b in itertools.combinations(members, 2)]
        print(f"  {name} {','.join(members)}: max J={max(js):.3f} min J={min(js):.3f}  ({why})")
    pages = SAME_SITE_PAGES
    whole = [similarity(texts[a], texts[b])[0] for a, b in itertools.combinations(pages, 2)]
    core = [similarity(CORES[a], CORES[b])[0] for a, b in itertools.combinations(pages, 2)]
    print(f"\nsame-site furniture pages {','.join(pages)}: whole text max J={max(whole):.3f}, "
          f"story only max J={max(core):.3f}")
    # Highest Jaccard between articles that are not labelled as one family.
    worst = max(
        (similarity(texts[a], texts[b])[0], a, b)
        for a, b in itertools.combinations(ids, 2)
        if not (a in family_of and family_of.get(a) == family_of.get(b))
    )
    print(f"highest Jaccard across different stories: {worst[1]}-{worst[2]} J={worst[0]:.3f}")
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    write()
    if "--check" in sys.argv[1:]:
        sys.exit(check())
