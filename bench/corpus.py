"""Deterministic synthetic news corpus for the archivist benchmark.

Writes ``DIR/seeds/<stem>.txt`` and ``DIR/metadata/<stem>.yaml`` in the same
shape as the project's real seeds, so that archivist, Typst and WeasyPrint
typeset exactly the same material.  Everything comes from the built-in word
lists below (no download), and article ``i`` depends only on ``(seed, i)``:
``--count 10`` is a prefix of ``--count 200`` for the same seed.

Lengths are skewed (log-normal, median about a page) with a tail up to
about twenty A4 pages; every hundredth article is forced to the maximum so
the tail is always represented.  Half the articles are French, half English,
with the typography a news desk would use (’ « » — … € œ, no-break spaces).
"""

from __future__ import annotations

import argparse
import math
import random
from dataclasses import dataclass
from pathlib import Path

#: Characters the corpus may contain besides Latin-1 and Latin Extended-A.
EXTRA_CHARS = frozenset("“”‘’«»—–…€œŒ")
NBSP = "\u00a0"

#: About 450 words fill an A4 page at 11.5 pt; twenty pages is the ceiling.
MAX_WORDS = 9_000
MIN_WORDS = 25
MEDIAN_WORDS = 450


def words(block: str) -> tuple[str, ...]:
    """A word list written as running text (easier to read and extend)."""
    return tuple(block.split())


FR_WORDS = words("""
le la les un une des du de au aux et ou mais donc or ni car que qui dont où
ce cette ces son sa ses leur leurs notre votre tout toute tous toutes
ministère gouvernement conseil assemblée député sénatrice maire préfecture
région département commune village quartier rue avenue école collège lycée
université hôpital clinique médecin infirmière élève étudiant professeur
ouvrier agricultrice pêcheur artisan boulanger économie budget impôt taxe
dépense recette déficit croissance chômage emploi salaire retraite pension
énergie électricité éolienne centrale réseau transport tramway gare train
autoroute aéroport vélo piéton sécurité santé vaccin épidémie hiver été
printemps automne météo orage sécheresse inondation forêt rivière fleuve
côte île montagne vallée plaine récolte vendange élevage marché foire fête
festival théâtre cinéma musée exposition concert spectacle bibliothèque
journal rédaction enquête témoignage déclaration communiqué réunion accord
négociation grève manifestation syndicat entreprise usine chantier projet
réforme loi décret arrêté tribunal procès jugement avocat juge enquêteur
police gendarmerie pompier secours incendie accident blessé victime
habitant citoyen électeur scrutin élection campagne candidat sondage
résultat majorité opposition coalition débat séance vote amendement
décision annonce mesure aide subvention investissement chiffre hausse
baisse progression recul stabilité prévision bilan rapport étude analyse
avis critique soutien inquiétude colère espoir déception satisfaction
nouveau nouvelle ancien ancienne grand grande petit petite premier
première dernier dernière prochain prochaine public publique privé privée
local locale national nationale européen européenne régional régionale
économique social sociale politique écologique sanitaire culturel culturelle
important importante récent récente fragile solide précis précise élevé
élevée déçu déçue ému émue prêt prête lié liée fréquent fréquente
a été sera serait avait aurait doit devrait peut pourrait faut fallait
annonce précise souligne rappelle indique estime déplore salue
réclame dénonce propose prévoit envisage confirme reconnaît affirme
explique ajoute conclut détaille espère craint refuse accepte
hier aujourd’hui demain désormais déjà encore toujours jamais souvent
parfois bientôt longtemps très trop assez plutôt moins plus beaucoup peu
environ près loin avant après pendant depuis selon malgré grâce vers
chez entre parmi sans avec pour contre sous sur dans
cœur œuvre sœur vœu nœud manœuvre
l’État l’économie l’hôpital l’école l’été l’hiver l’accord l’enquête
l’usine l’avenir d’abord d’ailleurs d’après d’ici jusqu’à lorsqu’il
qu’elle qu’il s’agit n’est c’est
""")

EN_WORDS = words("""
the a an this that these those its their our your his her
and or but so yet nor because while although if when where which who whose
ministry government council assembly senator mayor county borough district
town village street avenue school college university hospital clinic doctor
nurse pupil student teacher worker farmer fisherman craftsman baker economy
budget tax spending revenue deficit growth unemployment job wage pension
energy electricity wind plant grid transport tram station train motorway
airport bicycle pedestrian safety health vaccine outbreak winter summer
spring autumn weather storm drought flood forest river coast island mountain
valley plain harvest vintage livestock market fair festival theatre cinema
museum exhibition concert show library newspaper newsroom inquiry testimony
statement release meeting agreement negotiation strike protest union company
factory site project reform law decree order court trial ruling lawyer judge
investigator police firefighter rescue fire accident injured victim resident
citizen voter ballot election campaign candidate poll result majority
opposition coalition debate session vote amendment decision announcement
measure grant investment figure rise fall progress decline stability
forecast review report study analysis opinion criticism support concern
anger hope disappointment relief new old large small first last next public
private local national European regional economic social political
ecological cultural important recent fragile solid precise high low
said says will would could should must might has had have was were is are
announced stressed recalled indicated estimated deplored welcomed demanded
denounced proposed planned considered confirmed acknowledged argued
explained added concluded detailed hoped feared refused accepted
yesterday today tomorrow now already still always never often sometimes
soon long very too quite rather less more much little about nearly far
before after during since according despite thanks towards
between among without with for against under over in on at
café résumé naïve façade rôle fiancée déjà vu entrée protégé
it’s don’t won’t can’t isn’t doesn’t council’s mayor’s city’s union’s
""")

FR_NAMES = [
    "François Lefèvre", "Hélène Garçon", "Gaëlle Rousseau", "Jérôme Pétain",
    "Anaïs Bélanger", "Loïc Mercier", "Zoé Ménard", "Noël Dupré",
    "Cécile Brûlé", "Raphaël Côté", "Inès Benaïssa", "Benoît Lœillet",
    "Élodie Sœur", "Stéphane Théry", "Agnès Varèse", "Aurélien Maïga",
]
EN_NAMES = [
    "Margaret O’Brien", "Daniel Whitfield", "Priya Raman", "Seán Ó Súilleabháin",
    "Chloë Hartley", "Tomás Ruiz", "Zoë Kaczmarek", "Łukasz Nowak",
    "Antonín Dvořák", "Renée Fischer", "Björn Åberg", "Ashley Greene",
    "Owen Pritchard", "Grace Nkemelu", "Søren Kierkegård", "Jürgen Weiß",
]
FR_PLACES = [
    "Besançon", "Nîmes", "Orléans", "Saint-Étienne", "Grenoble", "Angoulême",
    "Pontoise", "Quimper", "Mâcon", "Évry", "Compiègne", "Sète",
]
EN_PLACES = [
    "Leeds", "Galway", "Bristol", "Aberdeen", "Cardiff", "Norwich",
    "Kraków", "Zürich", "Malmö", "Göteborg", "Plzeň", "Łódź",
]
FR_PUBLISHERS = ["Le Courrier du Doubs", "La Dépêche de l’Ouest", "L’Écho des Régions"]
EN_PUBLISHERS = ["The Northern Chronicle", "Evening Ledger", "The Coastal Herald"]


@dataclass(frozen=True)
class Article:
    """One generated article: enough to write both files."""

    stem: str
    index: int
    date: str
    language: str
    title: str
    paragraphs: list[str]
    creators: list[str]
    subjects: list[str]
    description: str
    publisher: str
    contributors: list[str]
    place: str


class Writer:
    """Sentence and paragraph maker for one language, driven by one RNG."""

    def __init__(self, rng: random.Random, language: str) -> None:
        self.rng = rng
        self.language = language
        self.words = FR_WORDS if language == "fr" else EN_WORDS
        self.names = FR_NAMES if language == "fr" else EN_NAMES
        self.places = FR_PLACES if language == "fr" else EN_PLACES

    def _quote(self, text: str) -> str:
        """Quote as each language's press does (NBSP inside French guillemets)."""
        if self.language == "fr":
            return f"«{NBSP}{text}{NBSP}»"
        if self.rng.random() < 0.2:
            return f"‘{text}’"
        return f"“{text}”"

    def _amount(self) -> str:
        whole = self.rng.randint(2, 950)
        tenth = self.rng.randint(0, 9)
        unit = self.rng.choice(["millions", "milliards"] if self.language == "fr"
                               else ["million", "billion"])
        if self.language == "fr":
            return f"{whole},{tenth}{NBSP}{unit} d’euros"
        return f"€{whole}.{tenth} {unit}"

    def _token(self) -> str:
        roll = self.rng.random()
        if roll < 0.03:
            return self.rng.choice(self.names)
        if roll < 0.05:
            return self.rng.choice(self.places)
        if roll < 0.06:
            return self._amount()
        if roll < 0.07:
            return str(self.rng.randint(1, 2030))
        return self.rng.choice(self.words)

    def phrase(self, low: int, high: int) -> str:
        """A run of words with no sentence punctuation."""
        return " ".join(self._token() for _ in range(self.rng.randint(low, high)))

    def sentence(self) -> str:
        """One sentence with the occasional quote, incise, comma or ellipsis."""
        rng = self.rng
        body = self.phrase(6, 22)
        roll = rng.random()
        if roll < 0.12:
            body += ", " + self._quote(self.phrase(3, 9))
        elif roll < 0.20:
            body += " — " + self.phrase(2, 6) + " — " + self.phrase(2, 6)
        elif roll < 0.32:
            body += ", " + self.phrase(3, 10)
        elif roll < 0.36:
            body += " (" + self.phrase(1, 4) + ")"
        elif roll < 0.40:
            span = f"{rng.randint(1990, 2010)}–{rng.randint(2011, 2024)}"
            body += " " + span
        body = body[0].upper() + body[1:]
        ending = rng.random()
        space = NBSP if self.language == "fr" else ""
        if ending < 0.06:
            return body + space + "?"
        if ending < 0.09:
            return body + space + "!"
        if ending < 0.13:
            return body + "…"
        if ending < 0.17:
            return body + space + ": " + self.phrase(3, 8) + "."
        if ending < 0.20:
            return body + space + "; " + self.phrase(3, 8) + "."
        return body + "."

    def paragraph(self, budget: int) -> str:
        """About ``budget`` words worth of sentences (at least one)."""
        sentences = [self.sentence()]
        while sum(len(s.split()) for s in sentences) < budget:
            sentences.append(self.sentence())
        return " ".join(sentences)

    def title(self) -> str:
        """A headline; sometimes with a colon or a quoted phrase."""
        text = self.phrase(4, 9)
        text = text[0].upper() + text[1:]
        roll = self.rng.random()
        space = NBSP if self.language == "fr" else ""
        if roll < 0.25:
            text += space + ": " + self.phrase(2, 5)
        elif roll < 0.4:
            text += " " + self._quote(self.phrase(2, 4))
        return text


def word_count(rng: random.Random, index: int) -> int:
    """Skewed length: log-normal around MEDIAN_WORDS, with a forced tail."""
    if index % 100 == 50:
        return MAX_WORDS
    raw = rng.lognormvariate(math.log(MEDIAN_WORDS), 1.1)
    return max(MIN_WORDS, min(MAX_WORDS, int(raw)))


def make_article(seed: int, index: int) -> Article:
    """Article ``index`` of the corpus for ``seed``; independent of the count."""
    rng = random.Random(seed * 1_000_003 + index)
    language = "fr" if index % 2 == 0 else "en"
    writer = Writer(rng, language)
    year = rng.randint(1998, 2024)
    month = rng.randint(1, 12)
    date = f"{year:04d}-{month:02d}"
    if rng.random() < 0.3:
        date += f"-{rng.randint(1, 28):02d}"
    total = word_count(rng, index)
    paragraphs: list[str] = []
    remaining = total
    while remaining > 0:
        budget = min(remaining, rng.randint(30, 160))
        paragraphs.append(writer.paragraph(budget))
        remaining -= budget
    names = writer.names
    creators = rng.sample(names, rng.choice([1, 1, 1, 2, 3]))
    contributors = rng.sample([n for n in names if n not in creators], rng.randint(1, 2))
    subjects = rng.sample([w for w in writer.words if len(w) > 5 and "’" not in w],
                          rng.randint(2, 5))
    publishers = FR_PUBLISHERS if language == "fr" else EN_PUBLISHERS
    return Article(
        stem=f"{date}-bench-{index:05d}",
        index=index,
        date=date,
        language=language,
        title=writer.title(),
        paragraphs=paragraphs,
        creators=creators,
        subjects=subjects,
        description=writer.sentence(),
        publisher=rng.choice(publishers),
        contributors=contributors,
        place=rng.choice(writer.places),
    )


def seed_text(article: Article) -> str:
    """The seed file: ``date YYYY-MM[-DD]`` header, then blank-line paragraphs."""
    first, *rest = article.paragraphs
    return "\n\n".join([f"date {article.date} {first}", *rest]) + "\n"


def yaml_string(value: str) -> str:
    """A YAML double-quoted scalar (always quoted: no type guessing)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def yaml_list(values: list[str]) -> str:
    """A flow sequence of quoted strings."""
    return "[" + ", ".join(yaml_string(v) for v in values) + "]"


def metadata_yaml(article: Article) -> str:
    """The Dublin Core record, varying the allowed shapes between articles."""
    lang = article.language
    other = "en" if lang == "fr" else "fr"
    i = article.index
    if i % 3 == 0:
        title = yaml_string(article.title)
    elif i % 10 == 1:
        title = (f"{{{lang}: {yaml_string(article.title)}, "
                 f"{other}: {yaml_string(article.title)}}}")
    else:
        title = f"{{{lang}: {yaml_string(article.title)}}}"
    if len(article.creators) == 1 and i % 4 == 0:
        creator = yaml_string(article.creators[0])
    else:
        creator = yaml_list(article.creators)
    rights_text = ("Tous droits réservés" if lang == "fr" else "All rights reserved")
    rights_text += f" — {article.publisher}, {article.date[:4]}"
    lines = [
        f"title: {title}",
        f"creator: {creator}",
        f"subject: {yaml_list(article.subjects)}",
        f"description: {{{lang}: {yaml_string(article.description)}}}",
        f"publisher: {yaml_string(article.publisher)}",
        f"contributor: {yaml_list(article.contributors)}",
        f"date: {yaml_string(article.date)}",
        "type: Text",
        "format: application/pdf",
        f"identifier: {yaml_string(f'urn:bench:{i:05d}')}",
        f"source: {yaml_string(f'{article.publisher}, édition papier')}",
        f"language: {lang}",
        f"relation: {yaml_string(f'urn:bench:{max(i - 1, 0):05d}')}",
        f"coverage: {yaml_string(article.place)}",
        f"rights: {{{lang}: {yaml_string(rights_text)}}}",
    ]
    return "\n".join(lines) + "\n"


def check_charset(text: str) -> None:
    """Fail loudly if a character outside the agreed repertoire slipped in."""
    for ch in text:
        code = ord(ch)
        if ch in "\n" or 0x20 <= code <= 0x7E or 0xA0 <= code <= 0x17F:
            continue
        if ch not in EXTRA_CHARS:
            raise ValueError(f"character U+{code:04X} outside the corpus repertoire")


def write_corpus(count: int, seed: int, out: Path) -> list[Article]:
    """Write ``count`` articles under ``out``; returns them for callers' stats."""
    seeds = out / "seeds"
    metadata = out / "metadata"
    seeds.mkdir(parents=True, exist_ok=True)
    metadata.mkdir(parents=True, exist_ok=True)
    articles = []
    for index in range(count):
        article = make_article(seed, index)
        text = seed_text(article)
        record = metadata_yaml(article)
        check_charset(text)
        check_charset(record)
        (seeds / f"{article.stem}.txt").write_text(text, encoding="utf-8")
        (metadata / f"{article.stem}.yaml").write_text(record, encoding="utf-8")
        articles.append(article)
    return articles


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="number of articles")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    args = parser.parse_args(argv)
    articles = write_corpus(args.count, args.seed, args.out)
    words = sum(len(p.split()) for a in articles for p in a.paragraphs)
    print(f"{len(articles)} articles, {words} words -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
