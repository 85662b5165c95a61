"""Deterministic text for the benchmark data set: titles, Markdown bodies, names and search queries.

Words are drawn with a Zipf-like distribution from a vocabulary of library social-media terms mixed
with common English, so search queries hit both frequent and rare terms the way real text does.
"""

from __future__ import annotations

import itertools
import random

TOPIC_WORDS = """
library libraries librarian librarians reader readers book books post posts video videos reel reels story
stories caption captions hashtag hashtags audience followers engagement reach campaign campaigns event
events storytime teens children families students patrons community branch catalogue collection archive
heritage exhibition newsletter account accounts profile platform platforms algorithm analytics metrics
comments likes shares views schedule calendar policy moderation accessibility alt text subtitles
captioning contrast privacy consent copyright photos images music licence volunteers staff team budget
funding advocacy council director manager outreach marketing content strategy plan goals evaluation
survey feedback partnership partners influencer influencers creators creator bookstagram booktok booktube
challenge challenges club clubs reading recommendations picks review reviews display displays shelf
shelves holds loans ebooks audiobooks podcast podcasts livestream live stream stream streams meme memes
humour humor trend trends template templates graphics design canva brand branding voice tone emoji
emojis thread threads message messages inbox reply replies crisis complaint complaints troll trolls
spam security password passwords login takeover hacked backup migration mastodon bluesky instagram
facebook tiktok youtube discord twitch pinterest snapchat linkedin whatsapp telegram goodreads wattpad
flickr blog website link links bio grid carousel shorts clip clips duet stitch sound trending
""".split()

COMMON_WORDS = """
the of and to in a is that for it as was with be by on not this are or from at which but have an they
you were their one all we can her has there been if more when will would who so no our what up out about
into than them only other new some could time these two may first then do any like my now over such
made after also did many before must through back years where much your way well down should because
each just those people how too little state good very make world still own see men work long get here
between both life being under never day same another know while last might us great old year off come
since against go came right used take three week month morning evening weekend together always often
usually sometimes rarely quickly slowly clearly simply easily early later local small large short
better best worse worst easy hard free open public school university national special pedagogical
""".split()

FIRST_NAMES = """
Anna Maria Katarzyna Agnieszka Joanna Ewa Magdalena Monika Aleksandra Karolina Piotr Tomasz Pawel
Michal Krzysztof Jakub Marcin Lukasz Adam Jan Emma Olivia Sophie Lucy Grace James Oliver Thomas Daniel
Samuel Lena Clara Ines Marta Sara Elena Paula Nora Hanna Ida
""".split()
LAST_NAMES = """
Nowak Kowalska Wisniewska Wojcik Kaminska Lewandowski Zielinski Szymanski Wozniak Dabrowski Smith Jones
Taylor Brown Williams Wilson Evans Thomas Johnson Roberts Garcia Martin Bernard Dubois Muller Schmidt
Rossi Russo Novak Horvat Jensen Hansen
""".split()
TOWNS = """
Krakow Warsaw Gdansk Poznan Lodz Lublin Torun Opole Kielce Rzeszow Leeds Bristol Dublin Cork Lyon Lille
Porto Braga Graz Linz Aarhus Odense Tartu Riga Vilnius Brno Kosice Malmo Turku Bergen
""".split()
INSTITUTION_KINDS = [
    "Public Library", "City Library", "University Library", "School Library",
    "Pedagogical Library", "Municipal Library", "County Library", "Regional Library",
]  # fmt: skip
JOB_ROLES = [
    "Librarian", "Social media coordinator", "Outreach librarian", "Director",
    "Children's librarian", "Marketing officer", "Teacher-librarian", "Digital services lead",
]  # fmt: skip
COUNTRIES = ["PL", "PL", "PL", "GB", "IE", "FR", "PT", "AT", "DK", "EE", "LV", "LT", "CZ", "SK", "SE", "NO"]

VOCABULARY = TOPIC_WORDS + COMMON_WORDS
# Zipf-like weights: common English and the first topic words dominate, the tail stays searchable.
_ORDER = list(itertools.chain.from_iterable(itertools.zip_longest(COMMON_WORDS, TOPIC_WORDS)))
_RANKED = [w for w in _ORDER if w is not None]
_CUM_WEIGHTS = list(itertools.accumulate(1.0 / (rank + 8) for rank in range(len(_RANKED))))


def words(rng: random.Random, n: int) -> list[str]:
    return rng.choices(_RANKED, cum_weights=_CUM_WEIGHTS, k=n)


def topic_words(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(TOPIC_WORDS) for _ in range(n)]


def title(rng: random.Random) -> str:
    parts = topic_words(rng, rng.randint(2, 4)) + words(rng, rng.randint(2, 5))
    rng.shuffle(parts)
    text = " ".join(parts)
    return text[0].upper() + text[1:]


def _sentence(rng: random.Random, n: int) -> str:
    ws = words(rng, n)
    # One topic word per sentence keeps bodies on subject.
    ws[rng.randrange(n)] = rng.choice(TOPIC_WORDS)
    roll = rng.random()
    if roll < 0.05:
        i = rng.randrange(n)
        ws[i] = f"**{ws[i]}**"
    elif roll < 0.08:
        i = rng.randrange(n)
        ws[i] = f"*{ws[i]}*"
    elif roll < 0.10:
        i = rng.randrange(n)
        ws[i] = f"[{ws[i]}](https://example.org/{ws[i]})"
    text = " ".join(ws)
    return text[0].upper() + text[1:] + "."


def body(rng: random.Random, min_words: int = 80, max_words: int = 150) -> str:
    """Markdown of min..max words in 2–4 paragraphs; now and then a bulleted list."""
    total = rng.randint(min_words, max_words)
    paragraphs: list[str] = []
    current: list[str] = []
    used = 0
    while used < total:
        n = min(rng.randint(7, 18), total - used)
        if n < 3:
            n = total - used
        current.append(_sentence(rng, max(n, 1)))
        used += n
        if len(current) >= rng.randint(2, 4):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    if len(paragraphs) > 1 and rng.random() < 0.15:
        items = paragraphs.pop().rstrip(".").split(". ")
        paragraphs.append("\n".join(f"- {item}" for item in items))
    return "\n\n".join(paragraphs)


def search_queries(rng: random.Random, n: int, platforms: list[str], trends: list[str]) -> list[str]:
    """Ordinary queries: one or two words, phrases, field filters, a bounded prefix."""
    queries: list[str] = []
    shapes = ["one", "one", "two", "two", "two", "phrase", "platform", "trend", "kind", "prefix"]
    while len(queries) < n:
        shape = shapes[len(queries) % len(shapes)]
        if shape == "one":
            q = rng.choice(TOPIC_WORDS)
        elif shape == "two":
            q = f"{rng.choice(TOPIC_WORDS)} {rng.choice(TOPIC_WORDS)}"
        elif shape == "phrase":
            q = f'"{rng.choice(COMMON_WORDS)} {rng.choice(TOPIC_WORDS)}"'
        elif shape == "platform":
            q = f"{rng.choice(TOPIC_WORDS)} platform:{rng.choice(platforms)}"
        elif shape == "trend":
            q = f"{rng.choice(TOPIC_WORDS)} trend:{rng.choice(trends)}"
        elif shape == "kind":
            q = f"{rng.choice(TOPIC_WORDS)} kind:{rng.choice(['practice', 'discussion', 'mistake'])}"
        else:
            q = rng.choice([w for w in TOPIC_WORDS if len(w) >= 6])[:4] + "*"
        queries.append(q)
    return queries
