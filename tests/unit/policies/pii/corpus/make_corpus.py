#!/usr/bin/env python3
"""Writes generated.txt: the part of the pii corpus whose values need arithmetic (Luhn,
IBAN mod-97, SSN rules, random tokens), from a fixed seed, so it is the same on every run.
handwritten.txt holds the rest. Format (both files, read by corpus_test.cpp): one text a
line, `{{entity:value}}` marks a value the scanner must find, `\\n` is a newline, `#`
starts a comment line. Usage: make_corpus.py > generated.txt"""
import base64
import json
import random
import string

rng = random.Random(15)


def luhn_digit(partial):
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def card(prefix, length):
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    return body + luhn_digit(body)


def not_luhn(prefix, length):
    c = card(prefix, length)
    return c[:-1] + str((int(c[-1]) + 1 + rng.randrange(8)) % 10)


def grouped(number, sizes, sep):
    out, i = [], 0
    for s in sizes:
        out.append(number[i:i + s])
        i += s
    return sep.join(out)


IBAN = {"DE": (18, "n"), "GB": (18, "gb"), "FR": (23, "n"), "NL": (14, "nl"), "ES": (20, "n"),
        "IT": (23, "it"), "CH": (17, "n"), "BE": (12, "n"), "AT": (16, "n"), "PL": (24, "n")}


def iban(country, valid=True):
    length, kind = IBAN[country]
    if kind == "gb":
        bban = "".join(rng.choice(string.ascii_uppercase) for _ in range(4))
        bban += "".join(rng.choice(string.digits) for _ in range(14))
    elif kind == "nl":
        bban = "".join(rng.choice(string.ascii_uppercase) for _ in range(4))
        bban += "".join(rng.choice(string.digits) for _ in range(10))
    elif kind == "it":
        bban = rng.choice(string.ascii_uppercase)
        bban += "".join(rng.choice(string.digits) for _ in range(22))
    else:
        bban = "".join(rng.choice(string.digits) for _ in range(length))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    if not valid:
        check = (check + 1 + rng.randrange(90)) % 97 + 2
    return f"{country}{check:02d}{bban}"


def spaced(value):
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4))


def ssn():
    while True:
        area = rng.randrange(1, 900)
        if area != 666:
            break
    return f"{area:03d}", f"{rng.randrange(1, 100):02d}", f"{rng.randrange(1, 10000):04d}"


def token(alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "-_"


def b64url(obj):
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")


def jwt():
    head = b64url({"alg": "HS256", "typ": "JWT"})
    body = b64url({"sub": str(rng.randrange(10**6)), "name": "Jane", "iat": 1700000000 + rng.randrange(10**6)})
    return f"{head}.{body}.{token(B64URL, 43)}"


def secrets():
    return [
        "sk-" + token(ALNUM, 48),
        "sk-proj-" + token(B64URL, 40) + "A1",
        "sk-ant-api03-" + token(B64URL, 60) + "9x",
        "AKIA" + token(string.ascii_uppercase + string.digits, 16),
        "ghp_" + token(ALNUM, 36),
        "gho_" + token(ALNUM, 36),
        "github_pat_11" + token(ALNUM, 20) + "_" + token(ALNUM, 59),
        "xoxb-" + str(rng.randrange(10**11, 10**12)) + "-" + str(rng.randrange(10**12, 10**13)) + "-" + token(ALNUM, 24),
        "xoxp-" + str(rng.randrange(10**11, 10**12)) + "-" + token(ALNUM, 20),
        "sk_live_" + token(ALNUM, 24),
        "AIza" + token(B64URL, 33) + "Q7",
        jwt(),
    ]


def mark(entity, value):
    return "{{" + entity + ":" + value + "}}"


CARD_TEMPLATES = ["Please charge my card {}, expiry 04/27.", "card number: {}",
                  "The customer paid with {} yesterday.", "My Visa is {} and the CVV is on the back",
                  "billing: {} (exp 11/26)", "Use {} for the subscription"]
ORDER_TEMPLATES = ["Your order {} has shipped.", "Reference number {} is pending.",
                   "Invoice {} was paid in full.", "Tracking id {} arrives Monday."]


def cards():
    lines = []
    kinds = [("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("6011", 16), ("35", 16),
             ("4", 13), ("4", 19), ("62", 16)]
    for prefix, length in kinds * 2:
        number = card(prefix, length)
        sizes = {13: [4, 4, 5], 16: [4, 4, 4, 4], 19: [4, 4, 4, 4, 3]}[length]
        form = rng.choice(["plain", "space", "dash"])
        value = number if form == "plain" else grouped(number, sizes, " " if form == "space" else "-")
        lines.append(rng.choice(CARD_TEMPLATES).format(mark("card", value)))
    for prefix in ["34", "37", "37"]:
        number = card(prefix, 15)
        lines.append(rng.choice(CARD_TEMPLATES).format(mark("card", grouped(number, [4, 6, 5], " "))))
    for _ in range(16):
        prefix = rng.choice(["4", "5", "6", "1", "7", "9"])
        number = not_luhn(prefix, rng.choice([13, 16, 16, 19]))
        form = rng.choice(["plain", "space", "dash", "hash"])
        value = {"plain": number, "hash": "#" + number, "space": grouped(number, [4] * (len(number) // 4) + ([len(number) % 4] if len(number) % 4 else []), " "),
                 "dash": grouped(number, [4] * (len(number) // 4) + ([len(number) % 4] if len(number) % 4 else []), "-")}[form]
        lines.append(rng.choice(ORDER_TEMPLATES).format(value))
    return lines


def ibans():
    lines = []
    templates = ["Please wire the refund to {}.", "IBAN: {}", "Bank details {} (Sparkasse)",
                 "Send EUR 250 to account {} by Friday", "my iban is {} thanks"]
    for country in IBAN:
        for form in ["compact", "spaced"]:
            value = iban(country)
            value = spaced(value) if form == "spaced" else value
            lines.append(rng.choice(templates).format(mark("iban", value)))
    for country in ["DE", "GB", "FR", "NL"]:
        value = iban(country, valid=False)
        lines.append(rng.choice(templates).format(spaced(value) if rng.random() < 0.5 else value))
    return lines


def ssns():
    lines = []
    templates = ["My SSN is {}.", "social security number {} on the form", "SSN: {}",
                 "Employee {} needs a W-2 correction", "Applicant number is {} per the letter"]
    for i in range(14):
        a, g, s = ssn()
        form = ["dash", "space", "bare"][i % 3]
        if form == "bare":
            lines.append(f"SSN {mark('ssn', a + g + s)} for the tax return")
        else:
            value = f"{a}-{g}-{s}" if form == "dash" else f"{a} {g} {s}"
            lines.append(rng.choice(templates[:4]).format(mark("ssn", value)))
    for value in ["000-12-3456", "666-45-1234", "912-34-5678", "123-00-4567", "123-45-0000",
                  "078-05-1120"]:
        lines.append(rng.choice(templates[4:]).format(value))
    for _ in range(4):
        a, g, s = ssn()
        lines.append(f"Batch {a}{g}{s} was processed at the plant.")
    return lines


def secret_lines():
    lines = []
    templates = ["export OPENAI_API_KEY={}", "my key is {} please debug", "Authorization: Bearer {}",
                 "token = \"{}\"", "Here is the config: api_key: {}", "use {} for the webhook"]
    for _ in range(3):
        for value in secrets():
            lines.append(rng.choice(templates).format(mark("secret", value)))
    return lines


def main():
    print("# Generated by make_corpus.py (fixed seed): do not edit by hand.")
    for section in (cards, ibans, ssns, secret_lines):
        print(f"# {section.__name__}")
        for line in section():
            print(line)


if __name__ == "__main__":
    main()
