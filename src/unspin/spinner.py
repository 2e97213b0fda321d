"""A synthetic synonym spinner: the training signal for the seq2seq restorer.

It spins clean text the way article spinners do, and records exactly what it changed:

* ``style="seed"`` — the family of the web spinner behind ``shared/seeds`` ("now no longer",
  "with the aid of using", "withinside the", "weather extrude", "paintings"): its fixed idioms,
  applied consistently through a document, plus context-free thesaurus choices (WordNet, first
  synonyms picked regardless of sense), number words turned into digits, grammar left broken
  and case kept; about ``rate`` of the words change.
* ``style="thesaurus"`` — a generic spinner: random WordNet synonyms for random words.
* ``style="scientific"`` — multi-word term torturing as found by the Problematic Paper
  Screener ("deep learning" -> "profound learning"), plus word-by-word thesaurus torturing.

Only replaced words change; whitespace and punctuation outside them are copied as they are.
The idiom list here was written by hand from knowledge of that spinner family; it is *not*
derived from the rule table, so that evaluating the rules on spun text is not circular.

>>> s = spin("They did not stop.", style="seed", rate=0.0, seed=1)
>>> s.text
'They did now no longer stop.'
>>> s.alignment[0][4:]
('not', 'now no longer')
"""

from __future__ import annotations

import functools
import os
import random
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["SpunText", "spin", "SEED_IDIOMS", "wordnet_available", "STYLES"]

STYLES = ("seed", "thesaurus", "scientific")

WORDNET_DIR = Path(os.environ.get("UNSPIN_WORDNET_DIR", "/usr/share/wordnet"))

# ---------------------------------------------------------------------------------------------
# The seed spinner family's fixed substitutions: "original = spun | spun ...".
# The first choice is that spinner's usual one; the rest are its other habits.
_IDIOMS_TEXT = """
not = now no longer
by = with the aid of using | through | via way of means of
in the = withinside the
based = primarily based totally
based on = primarily based totally on
it is = it's far
it's = it's far
that is = this is
may also = can also additionally
might also = may additionally
can also = also can
behind = in the back of
second = 2nd
third = 3rd
called = referred to as | known as
call = name
calls = calls
was = changed into | turned into
were = have been
challenge = mission | undertaking
challenges = demanding situations
challenging = difficult
country = country
countries = international locations
nation = country
nations = international locations
climate change = weather extrude | weather alternate
climate = weather
change = extrude | alternate | exchange
changes = adjustments | modifications
changed = modified | changed
changing = converting
work = paintings
works = works
worked = labored
working = operating
worker = employee
workers = people | employees
said = stated
says = says
say = say
saying = saying
also = additionally
using = the usage of
use = use
used = used
year = 12 months
years = years
family = own circle of relatives
families = households
got = were given
get = get
gets = receives
getting = getting
before = earlier than
because = due to the fact
because of = due to
while = at the same time as | even as
some = a few
most = maximum
more = extra
only = handiest | simplest
according to = in keeping with | consistent with
in order to = so as to | on the way to
such as = which include | along with
including = which includes | consisting of
include = consist of
includes = consists of
included = protected
however = however
people = humans | people
person = person
help = assist
helped = helped
helps = allows
helping = supporting
support = guide | assistance | assist
supported = supported
supporting = assisting
important = essential | crucial
importance = significance
role = function
position = role | function
security = safety
safe = secure
safety = protection
defense = protection
defence = protection
members = participants | contributors
member = member
partners = companions
partner = accomplice
military = army
capabilities = abilities
capability = functionality
ability = capacity
digital = virtual
domestic = home
words = phrases
word = phrase
criticism = grievance
strongest = most powerful
strong = sturdy | robust
stronger = more potent
friends = buddies
friend = pal
really = genuinely | sincerely
real = actual
acknowledged = recounted | mentioned
trust = agree with | consider
degree = diploma
administration = management
strengthen = improve | toughen
commitment = dedication
committed = dedicated
fully = absolutely
rules = guidelines | policies
rule = rule
system = machine | gadget
systems = structures
mean = suggest | imply
means = approach | manner
where = wherein | in which
health = fitness
growing = developing
grow = develop
grows = grows
grew = grew
growth = increase
close = near
closely = intently
area = place
areas = regions | areas
technology = era
technologies = technology
pressure = stress
rely on = rely upon
recently = these days | lately
recent = current
increase = growth | boom
increased = elevated | multiplied
increasing = growing
between = among
among = amongst
officials = officers
official = authentic | professional
responded = replied
respond = reply
response = reaction
attempt = try
attempts = tries
approach = method
very = very | extraordinarily
trying = looking | attempting
try = strive
tried = attempted
bring = convey
brings = brings
brought = added
attention = interest
interest = hobby
interests = hobbies | pursuits
largely = in large part | in large part
focused = centered | targeted
focus = awareness | cognizance
think = suppose | assume
thought = notion | idea
can = are able to
could = may want to | ought to
would = could
should = must | need to
must = should | have to
hope = wish | desire
relationship = courting | dating
relationships = relationships
at least = at the least
hold = keep
held = held
foreign = overseas
engage = have interaction
meaningful = significant
pattern = sample
conference = convention
immediate = on the spot
immediately = immediately
release = launch
released = launched
opposition = competition
leader = chief
leaders = leaders
influence = have an effect on | impact
influenced = prompted
response = reaction
implemented = applied | carried out
remain = continue to be | stay
remains = stays
remained = remained
place = region | vicinity
unity = harmony
understanding = knowledge
world = international | global
global = worldwide | international
worldwide = global
other = different
others = others
recognized = identified | diagnosed
destructive = unfavourable
war = conflict | battle
architecture = structure
law = regulation
laws = legal guidelines
rise = upward push
expected = predicted | anticipated
high = excessive
higher = better
highest = maximum
aggressive = competitive
behavior = conduct | behaviour
delivered = introduced | added
meetings = conferences
meeting = assembly
ensures = guarantees | ensures
ensure = make sure
key = key
such as = including | along with
under = beneath | below | below
seemed = regarded
seem = appear
seems = appears
deadline = closing date | cut-off date
asked = requested
ask = ask
show = display
shows = suggests
showed = confirmed
shown = proven
big = huge
large = big
great = incredible | great
good = true | precise
better = higher
best = first-rate | nice
bad = terrible
small = small
little = little
many = many
much = a lot
new = new
old = vintage
young = younger
long = lengthy
first = first
last = remaining | closing | final
next = subsequent
early = early
late = past due
later = later
different = one-of-a-kind | exclusive
same = equal | identical
own = personal
right = proper
rights = rights
left = left
today = today
now = now
then = then
also known as = additionally referred to as
known as = referred to as
known = recognised | regarded
know = recognise | realize
knows = is aware of
knew = knew
find = discover
found = located | discovered
finding = locating
made = made
make = make
makes = makes
making = making
take = take
took = took
taken = taken
give = supply | deliver
gave = gave
given = given
go = move
goes = is going
went = went
going = going
come = come
came = got here
comes = comes
see = see
seen = visible
saw = noticed
look = appearance
looking = searching
looked = regarded
want = need
wanted = desired
wants = desires
need = want
needs = desires
needed = wished
keep = preserve
kept = saved
start = begin
started = began out | commenced
begin = start
began = started out
end = quit | give up
ended = ended
ending = finishing
set up = installation
set = set
put = put
let = allow
lead = cause | lead
led = brought about | led
become = emerge as | end up
became = have become | became
turn = flip
turned = became
move = pass
moved = moved
live = stay
lived = lived
life = existence
lives = lives
believe = agree with | consider
believed = believed
feel = experience
felt = felt
happen = occur
happened = took place
provide = offer
provided = supplied | furnished
provides = presents | affords
allow = permit
allowed = allowed
allows = lets in
create = create
created = created
develop = increase
developed = evolved
development = improvement
building = constructing
build = construct
built = constructed
continue = retain | hold
continued = persevered
continues = keeps
follow = observe
followed = accompanied
following = following
consider = don't forget | keep in mind
considered = taken into consideration
hard = tough
easy = clean
simple = easy
possible = viable
likely = probable
able to = capable of
unable to = not able to
each other = every different
each = every
every = each
other than = apart from
rather than = in place of
as well as = in addition to
as well = as nicely
in addition = in addition
instead of = in place of
because of this = due to this
for example = for instance
for instance = as an example
in fact = in reality
of course = of direction
at the same time = on the equal time
at first = at the start
at all = at all
as a result = as a result
in particular = in particular
particularly = mainly | especially
especially = particularly | specially
mainly = particularly | in particular
main = primary | major
major = essential | main
usually = commonly | typically
often = frequently | regularly
sometimes = every now and then | on occasion
always = continually | usually
never = by no means
ever = ever
already = already
again = once more
still = nonetheless | nevertheless
almost = nearly | almost
about = about | approximately
around = round
across = throughout
during = throughout | at some point of
through = thru | via
throughout = at some stage in
within = inside
without = without
against = towards | in opposition to
toward = closer to
towards = closer to
despite = notwithstanding | regardless of
although = even though | despite the fact that
though = though
whether = whether or not
unless = except
until = till
since = for the reason that | considering
therefore = therefore | consequently
thus = therefore
however = however
so that = in order that
even though = despite the fact that
as soon as = as quickly as
as long as = so long as
more than = greater than | extra than
less than = much less than | less than
a lot of = quite a few | a whole lot of
lots of = masses of
a number of = some of
a few = a few
several = numerous | several
various = diverse | numerous
enough = sufficient | enough
whole = entire
entire = whole
full = complete
part = element | component
parts = components
point = factor
points = factors
way = manner
ways = methods
thing = issue
things = matters
problem = hassle | trouble
problems = troubles | issues
issue = problem
issues = problems
question = query
questions = questions
answer = solution
reason = cause
result = end result
results = outcomes | effects
effect = impact | effect
effects = outcomes | results
example = instance
case = case
fact = truth
idea = concept
ideas = thoughts
power = energy
powerful = effective
powers = powers
energy = power
level = degree | stage
levels = degrees | stages
rate = price | fee
price = rate | charge
prices = costs
cost = value | price
costs = charges | expenses
value = price
money = cash
market = marketplace
markets = markets
company = organization | enterprise
companies = businesses | agencies
business = commercial enterprise | business
businesses = corporations
industry = enterprise
government = authorities
governments = governments
state = kingdom
states = states
public = public
policy = coverage
policies = rules | regulations
group = organization
groups = corporations
community = network
communities = groups
society = society
history = records | history
story = tale
news = information
information = facts | records
data = records
report = document
reports = reviews
research = studies
study = look at | take a look at
studies = research
studied = studied
science = technology
scientists = scientists
school = faculty
schools = colleges
students = college students
student = pupil
teacher = instructor
teachers = instructors
children = kids
child = toddler | infant
kids = children
parents = mother and father | parents
mother = mom
father = dad
woman = girl
women = girls
man = guy
men = guys
boy = boy
girl = woman
home = domestic | home
house = residence
city = metropolis
cities = towns
town = city
land = land
water = water
food = meals
air = air
fire = fireplace
light = mild
weather = climate
earth = earth
environment = surroundings
nature = nature
animals = animals
body = frame
head = head
face = face
hand = hand
hands = arms
eyes = eyes
mind = thoughts
heart = coronary heart
disease = sickness
illness = contamination
treatment = remedy
doctor = physician
doctors = medical doctors
hospital = sanatorium
patients = sufferers
patient = affected person
medicine = medication
death = demise
died = died
die = die
kill = kill
killed = killed
fight = combat
fighting = combating
army = navy
war = battle
peace = peace
violence = violence
attack = assault
attacks = assaults
weapons = guns
threat = danger | risk
threats = threats
crisis = disaster
disaster = catastrophe
poverty = poverty
development = improvement
sustainable = sustainable
economic = financial
economy = financial system
economies = economies
financial = economic
trade = exchange
agreement = settlement
agreements = agreements
cooperation = cooperation
international = global
national = countrywide
region = vicinity
regional = nearby
local = neighborhood
global = worldwide
future = destiny
past = beyond
present = gift
time = time
times = instances
day = day
days = days
week = week
month = month
months = months
century = century
hour = hour
hours = hours
moment = second
period = duration
age = age
generation = era
plan = plan
plans = plans
goal = purpose | aim
goals = desires
aim = goal
effort = attempt
efforts = efforts
action = motion
actions = moves
activity = hobby
activities = sports | activities
process = system
program = application
programme = programme
project = venture | project
service = carrier
services = offerings
product = product
products = merchandise
quality = satisfactory
price = charge
type = kind
kind = type
form = shape
forms = bureaucracy
shape = form
size = length
number = variety
numbers = numbers
amount = quantity
percent = percent
half = 1/2
one = one
two = 
three = 3
four = 4
five = 5
six = 6
seven = 7
eight = 8
nine = 9
ten = 10
eleven = 11
twelve = 12
twenty = 20
thirty = 30
hundred = hundred
thousands = lots
millions = thousands and thousands | hundreds of thousands
fourth = 4th
fifth = fifth
line = line
side = aspect
sides = facets
top = pinnacle
bottom = backside
front = the front
center = middle
centre = centre
inside = interior
outside = outdoor
near = close to
far = a long way
away = away
high = excessive
low = low
deep = deep
short = brief
quick = short
quickly = fast | quick
fast = rapid
slow = gradual
slowly = slowly
early = early
likely = in all likelihood
certain = positive | sure
certainly = without a doubt
clear = clean | clear
clearly = truly | honestly
sure = positive
true = real
false = fake
wrong = incorrect
free = loose
open = open
opened = opened
closed = closed
ready = prepared
happy = glad
sad = unhappy
difficult = tough | hard
serious = extreme | critical
necessary = important | vital
useful = beneficial
common = not unusual place | commonplace
commonly = usually
rare = uncommon
unusual = uncommon
popular = famous
famous = well-known
special = unique
specific = precise | unique
general = preferred | trendy
generally = normally | typically
basic = simple
simply = certainly | absolutely
actually = really | in reality
finally = finally | ultimately
recently = these days
currently = presently | currently
previously = formerly | previously
originally = at the start | originally
eventually = subsequently
probably = possibly | likely
perhaps = possibly | perhaps
together = collectively | together
alone = on my own | alone
similar = comparable | similar
likewise = likewise
significant = massive | considerable
significantly = considerably | notably
huge = massive | big
major = main
minor = minor
total = overall
available = to be had
responsible = accountable
responsibility = obligation | duty
success = achievement
successful = a success
failure = failure
failed = failed
fail = fail
win = win
won = received
lost = misplaced
lose = lose
loss = loss
gain = benefit
benefits = advantages
benefit = gain
advantage = benefit
protect = guard | defend
protection = safety
prevent = save you | prevent
reduce = lessen | reduce
reduced = decreased | reduced
improve = enhance | improve
improved = advanced | improved
improvement = development
achieve = attain | gain
achieved = done | achieved
reach = attain
reached = reached
promote = sell | promote
promoting = selling
address = cope with | deal with
addressing = addressing
deal with = cope with
face = face
faced = confronted
facing = dealing with
require = require
required = required
requires = calls for
called for = referred to as for
call for = name for
calls for = calls for
called on = referred to as on
join = be part of
joined = joined
meet = meet
met = met
share = proportion
shared = shared
shares = stocks
offer = provide
offered = presented | provided
receive = get hold of
received = obtained | received
send = ship
sent = despatched
spend = spend
spent = spent
pay = pay
paid = paid
buy = purchase
sold = offered
sell = promote
produce = produce
produced = produced
production = manufacturing
report = record
reported = said | reported
explain = give an explanation for | explain
explained = defined | explained
describe = describe
described = defined
discuss = talk
discussed = mentioned
discussion = dialogue
talk = communicate
talks = talks
speak = talk
speaking = talking
speech = speech
tell = inform
told = instructed | informed
write = write
wrote = wrote
written = written
read = study
learn = analyze | learn
learned = discovered
learning = gaining knowledge of
teach = educate
taught = taught
education = schooling
training = schooling
understand = recognize | understand
understood = understood
decide = determine
decided = determined
decision = choice
decisions = selections | decisions
choose = select
chose = selected
choice = preference
agree = agree
agreed = agreed
refuse = refuse
refused = refused
accept = be given | accept
accepted = everyday | accepted
remember = consider | remember
forget = overlook
forgot = forgot
forgotten = forgotten
wait = wait
stop = prevent | forestall
stopped = stopped
stay = live
return = go back
returned = again
returning = returning
leave = depart
run = run
ran = ran
walk = stroll
walked = walked
play = play
played = performed
playing = gambling
sign = signal
signed = signed
signs = symptoms
mark = mark
marked = marked
test = take a look at
tests = assessments
check = take a look at
watch = watch
hear = listen
heard = heard
listen = concentrate
ability = cap potential
capacity = capability
potential = ability
opportunity = possibility
opportunities = possibilities
chance = risk
risk = threat
risks = dangers
damage = harm
harmful = dangerous
danger = threat
dangerous = risky
fear = worry
afraid = afraid
concern = problem
concerns = worries
concerned = involved
worried = concerned
involved = concerned
involve = contain
involves = includes
contain = include
contains = consists of
consist of = include
represent = constitute
represents = represents
representative = consultant
representatives = representatives
experience = revel in | enjoy
experienced = skilled
expert = professional
experts = specialists | professionals
professional = expert
skills = talents | abilities
skill = ability
knowledge = understanding
evidence = proof
proof = evidence
claim = declare
claims = claims
claimed = claimed
argue = argue
argued = argued
suggest = advise | propose
suggested = advised
suggests = shows
indicate = suggest
indicated = indicated
note = notice
noted = mentioned
notice = note
compared = in comparison
compare = examine
compared to = in comparison to
compared with = in comparison with
due to = because of
thanks to = way to
in front of = in the front of
on top of = on pinnacle of
in spite of = in spite of
as a result of = because of
in terms of = in phrases of
in the world = withinside the world
in the past = withinside the past
in the future = withinside the future
in the end = withinside the end
in the process = withinside the process
in the case of = withinside the case of
of the world = of the sector
around the world = round the sector
all over the world = all around the world
the world = the sector | the arena
the rest = the relaxation
the same = the equal | the identical
first time = first time
last year = closing 12 months | remaining 12 months
this year = this 12 months
next year = subsequent 12 months
years ago = years in the past
a year = a 12 months
per year = in step with 12 months
each year = every 12 months
every year = each 12 months
for years = for years
last week = remaining week
human rights = human rights
United Nations = United Nations
member states = member states
climate crisis = weather disaster
global warming = worldwide warming
greenhouse gas = greenhouse gas
renewable energy = renewable strength
fossil fuels = fossil fuels
nuclear weapons = nuclear guns
civil society = civil society
rule of law = rule of regulation
human beings = human beings
social media = social media
high school = excessive school
health care = fitness care
public health = public fitness
# Added 2026-12-02 from the seed article's spun/original pairs (habits of the family that the
# table lacked; each is a context-free swap the family makes throughout a document).
but = however
target = goal
force = pressure
"""


def _parse_idioms(text: str) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for line in text.strip().splitlines():
        if "=" not in line:
            continue
        orig, spun = line.split("=", 1)
        orig = orig.strip().lower()
        choices = [c.strip() for c in spun.split("|") if c.strip()]
        choices = [c for c in choices if c.lower() != orig]
        if orig and choices:
            table.setdefault(orig, [])
            for c in choices:
                if c not in table[orig]:
                    table[orig].append(c)
    return table


#: original (lower-case, 1-5 words) -> the seed spinner's spun choices, usual one first.
SEED_IDIOMS: dict[str, list[str]] = _parse_idioms(_IDIOMS_TEXT)

# Idioms this spinner applies nearly always (its signatures); others follow ``rate``.
_SIGNATURE = {
    "not", "by", "in the", "based", "based on", "it is", "may also", "behind", "second",
    "called", "was", "challenges", "countries", "climate change", "work", "said", "also",
    "using", "year", "family", "got", "before", "because", "while", "some", "most", "more",
    "only", "according to", "in order to", "such as", "including", "people", "help",
    "important", "role", "security", "members", "world", "global", "other", "law",
    "interests", "among", "between", "recently", "behavior", "area", "areas", "policy",
    "government", "change", "climate", "system", "technology", "that is", "third", "were",
}

_NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
    "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18",
    "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50",
    "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90", "second": "2nd",
    "third": "3rd", "fourth": "4th", "sixth": "6th", "seventh": "7th", "eighth": "8th",
    "ninth": "9th", "tenth": "10th",
}

# Words no spinner style touches on its own (only as part of an idiom).
_STOP = set("""
a an the and or but if of to in on at for from with as is are be been being am do does did
done have has had having he she it its they them their theirs we us our you your i me my
mine his her hers him this that these those there here which who whom whose what when why
how than then so such no yes all any both either neither nor too very just can will shall
would could should may might must up down out off over into onto upon about above below
own same other another s t also not only more most some few many much each every
was were is are am being get got gets make made makes let lets like
""".split())

_WORD_RE = re.compile(r"[^\W\d_](?:[^\W\d_]|['’\-](?=[^\W\d_]))*|\d+", re.UNICODE)


@dataclass
class SpunText:
    """Spun text, its source and the spinner's alignment.

    ``alignment`` holds ``(orig_start, orig_end, spun_start, spun_end, orig_phrase,
    spun_phrase)`` for every replaced phrase, in text order; everything between them is
    identical in ``source_text`` and ``text``.
    """

    text: str
    source_text: str
    alignment: list[tuple[int, int, int, int, str, str]] = field(default_factory=list)
    style: str = "seed"

    @property
    def changed_words(self) -> int:
        """How many source words were replaced."""
        return sum(len(_WORD_RE.findall(a[4])) for a in self.alignment)


# ------------------------------------------------------------------------------ WordNet


def wordnet_available() -> bool:
    """Whether the WordNet database files (Debian ``wordnet-base``) are installed."""
    return (WORDNET_DIR / "data.noun").exists()


_POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}


@functools.lru_cache(maxsize=1)
def _wordnet() -> tuple[dict, dict]:
    """(lemma -> {pos: [synonym lists per sense]}, exceptions inflected -> (lemma, pos))."""
    if not wordnet_available():
        raise FileNotFoundError(
            f"WordNet not found in {WORDNET_DIR}: install it with "
            "`apt-get install wordnet-base` or set UNSPIN_WORDNET_DIR")
    synsets: dict[tuple[str, int], list[str]] = {}
    for pos, name in _POS_FILES.items():
        with open(WORDNET_DIR / f"data.{name}", encoding="latin-1") as f:
            for line in f:
                if line.startswith(" "):
                    continue
                parts = line.split(" ", 5 + 2 * 60)
                off = int(parts[0])
                n = int(parts[3], 16)
                ws = [parts[4 + 2 * i] for i in range(n)]
                ws = [re.sub(r"\([a-z]+\)$", "", w).replace("_", " ") for w in ws]
                synsets[(pos, off)] = ws
    index: dict[str, dict[str, list[list[str]]]] = {}
    for pos, name in _POS_FILES.items():
        with open(WORDNET_DIR / f"index.{name}", encoding="latin-1") as f:
            for line in f:
                if line.startswith(" "):
                    continue
                parts = line.split()
                lemma = parts[0].replace("_", " ")
                p_cnt = int(parts[3])
                offs = [int(o) for o in parts[6 + p_cnt:]]
                senses = []
                for o in offs:
                    syn = [w for w in synsets.get((pos, o), [])
                           if w.lower() != lemma and w.isascii() and w.islower()]
                    senses.append(syn)
                index.setdefault(lemma, {})[pos] = senses
    exc: dict[str, tuple[str, str]] = {}
    for pos, name in _POS_FILES.items():
        p = WORDNET_DIR / f"{name}.exc"
        if p.exists():
            with open(p, encoding="latin-1") as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 2:
                        exc.setdefault(parts[0], (parts[1], pos))
                        if pos == "v" and not parts[0].endswith("ing"):
                            _IRREGULAR.setdefault(parts[1], parts[0])
    return index, exc


_IRREGULAR: dict[str, str] = {}  # verb lemma -> an irregular past form ("set" -> "set")


def _lemmatize(word: str) -> list[tuple[str, str, str]]:
    """Candidate (lemma, pos, inflection) analyses of a lower-case word."""
    index, exc = _wordnet()
    out = []
    if word in index:
        for pos in index[word]:
            out.append((word, pos, ""))
    if word in exc:
        lemma, pos = exc[word]
        infl = {"n": "s", "v": "ed", "a": "er"}.get(pos, "")
        if word.endswith("ing"):
            infl = "ing"
        out.append((lemma, pos, infl))
    rules = [("ies", "y", "s"), ("es", "", "s"), ("s", "", "s"), ("ied", "y", "ed"),
             ("ed", "", "ed"), ("ed", "e", "ed"), ("ing", "", "ing"), ("ing", "e", "ing")]
    for suf, rep, infl in rules:
        if word.endswith(suf) and len(word) > len(suf) + 2:
            base = word[: -len(suf)] + rep
            cands = [base]
            if infl in ("ed", "ing") and len(base) > 2 and base[-1] == base[-2]:
                cands.append(base[:-1])
            for b in cands:
                if b in index:
                    for pos in index[b]:
                        if (infl == "s" and pos in "nv") or (infl != "s" and pos == "v"):
                            out.append((b, pos, infl))
    return out


_VOWELS = set("aeiou")


def _inflect(lemma: str, pos: str, infl: str) -> str:
    """Re-inflect ``lemma`` (possibly multi-word: the head is its first word for verbs,
    its last for nouns) crudely: spinners leave grammar broken anyway."""
    if not infl:
        return lemma
    words_ = lemma.split(" ")
    i = 0 if pos == "v" else len(words_) - 1
    w = words_[i]
    if infl == "s":
        if w.endswith(("s", "x", "z", "ch", "sh")):
            w += "es"
        elif w.endswith("y") and len(w) > 1 and w[-2] not in _VOWELS:
            w = w[:-1] + "ies"
        else:
            w += "s"
    elif infl == "ed":
        if w in _IRREGULAR:
            w = _IRREGULAR[w]
        elif w.endswith("e"):
            w += "d"
        elif w.endswith("y") and len(w) > 1 and w[-2] not in _VOWELS:
            w = w[:-1] + "ied"
        else:
            w += "ed"
    elif infl == "ing":
        if w.endswith("e") and not w.endswith("ee"):
            w = w[:-1] + "ing"
        else:
            w += "ing"
    elif infl == "er":
        w += "r" if w.endswith("e") else "er"
    words_[i] = w
    return " ".join(words_)


def _thesaurus_choices(word: str, max_senses: int) -> list[str]:
    """Synonyms of ``word`` (lower-case) from its first ``max_senses`` senses, inflected."""
    seen: list[str] = []
    for lemma, pos, infl in _lemmatize(word):
        senses = _wordnet()[0].get(lemma, {}).get(pos, [])
        for syns in senses[:max_senses]:
            for s in syns:
                cand = _inflect(s, pos, infl)
                if cand != word and cand not in seen and len(cand.split()) <= 3:
                    seen.append(cand)
    return seen


# ------------------------------------------------------------------------------ spinning


def _match_case(src: str, rep: str) -> str:
    if src.isupper() and len(src) > 1:
        return rep.upper()
    if src[:1].isupper():
        return rep[:1].upper() + rep[1:]
    return rep


@functools.lru_cache(maxsize=1)
def _pps_pairs() -> dict[str, list[str]]:
    """expected term -> tortured variants from ``shared/tortured-phrases/pps_dev.tsv``."""
    out: dict[str, list[str]] = {}
    for cand in _pps_paths():
        if cand.exists():
            with open(cand, encoding="utf-8") as f:
                next(f, None)
                for line in f:
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) >= 2 and parts[0] and parts[1]:
                        tortured, expected = parts[0].strip(), parts[1].strip()
                        if expected in _STOP or not re.fullmatch(r"[a-z][a-z' -]*", tortured):
                            continue
                        if 1 <= len(expected.split()) <= 4 and tortured != expected:
                            out.setdefault(expected, []).append(tortured)
            break
    return out


def _pps_paths() -> list[Path]:
    env = os.environ.get("UNSPIN_PPS_TSV")
    here = Path(__file__).resolve()
    paths = [Path(env)] if env else []
    for up in here.parents:
        paths.append(up / "shared" / "tortured-phrases" / "pps_dev.tsv")
        paths.append(up.parent / "shared" / "tortured-phrases" / "pps_dev.tsv")
    return paths


def _rng_for(seed: int, *keys: str) -> random.Random:
    h = zlib.crc32("\x1f".join(keys).encode("utf-8"), seed & 0xFFFFFFFF)
    return random.Random(h)


def spin(text: str, style: str = "seed", rate: float = 0.3, seed: int = 0) -> SpunText:
    """Spin ``text`` in ``style`` changing about ``rate`` of its words; deterministic in ``seed``.

    >>> spin("Climate change is said to be real.", seed=3).text.startswith("Weather extrude")
    True
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, not {style!r}")
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be in [0, 1], not {rate}")
    rng = random.Random(seed)
    toks = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]
    use_wn = wordnet_available()
    if style == "seed":
        phrase_table = SEED_IDIOMS
        max_n = 5
    elif style == "scientific":
        phrase_table = _pps_pairs()
        max_n = 4
    else:
        phrase_table = {}
        max_n = 1
    # Per-document memory: the seed spinner maps one word to one spin throughout a document.
    memory: dict[str, str | None] = {}
    n_words = max(len(toks), 1)
    n_target = rate * n_words
    n_eligible = sum(1 for t in toks if t[2].lower() not in _STOP and t[2].isalpha()
                     and len(t[2]) > 2) or 1
    word_rate = min(1.0, rate * n_words / n_eligible)
    out: list[str] = []
    alignment: list[tuple[int, int, int, int, str, str]] = []
    pos = 0
    spun_len = 0
    changed = 0
    i = 0
    while i < len(toks):
        rep = None
        span_n = 1
        # 1) multi-word / idiom phrases, longest first, whitespace-separated words only
        for n in range(min(max_n, len(toks) - i), 0, -1):
            if not phrase_table:
                break
            s, e = toks[i][0], toks[i + n - 1][1]
            gaps_ok = all(text[toks[j][1]:toks[j + 1][0]] == " " for j in range(i, i + n - 1))
            if not gaps_ok:
                continue
            key = " ".join(t[2] for t in toks[i:i + n]).lower().replace("’", "'")
            if key not in phrase_table:
                continue
            if style == "seed" and n == 1 and toks[i][2][:1].isupper() and i > 0 and \
                    key not in _SIGNATURE and text[toks[i - 1][1]:toks[i][0]].strip() == "":
                continue  # a capitalised word mid-sentence is probably a name
            if key in memory:
                rep = memory[key]
            else:
                choices = phrase_table[key]
                krng = _rng_for(seed, "idiom", key)
                if style == "seed":
                    # The family applies its idioms nearly always (on the seed article 82% of
                    # non-signature idioms were spun); 0.55 + rate is 0.75-0.95 for rates 0.2-0.4.
                    p = 0.92 if key in _SIGNATURE else min(0.95, 0.55 + rate)
                    rep = (choices[0] if krng.random() < 0.75 else krng.choice(choices)) \
                        if krng.random() < p else None
                else:
                    rep = krng.choice(choices) if krng.random() < min(1.0, rate * 3) else None
                memory[key] = rep
            if rep is not None:
                span_n = n
                break
        # 2) number words -> digits (seed)
        word = toks[i][2]
        low = word.lower()
        if rep is None and style == "seed" and low in _NUMBER_WORDS and low not in memory:
            memory[low] = _NUMBER_WORDS[low] if rng.random() < 0.7 else None
        if rep is None and style == "seed" and low in _NUMBER_WORDS:
            rep = memory.get(low)
        # 3) context-free thesaurus choice for other words
        if rep is None and use_wn and low not in _STOP and low.isalpha() and len(low) > 2 \
                and low not in phrase_table:
            capital_mid = word[:1].isupper() and i > 0 and not re.search(
                r"[.!?\n“\"‘']\s*$", text[max(0, toks[i - 1][1] - 1):toks[i][0]])
            if not capital_mid and not (word.isupper() and len(word) > 1):
                if style == "seed":
                    if low not in memory:
                        krng = _rng_for(seed, "wn", low)
                        need = max(0.0, n_target - changed) / max(1, len(toks) - i)
                        p = min(0.95, need * 1.6 + 0.05)
                        choices = _thesaurus_choices(low, 2) if krng.random() < p else []
                        memory[low] = choices[0] if choices and krng.random() < 0.6 else (
                            krng.choice(choices) if choices else None)
                    rep = memory[low]
                else:
                    frac = word_rate if style == "thesaurus" else word_rate * 0.5
                    if rng.random() < frac:
                        choices = _thesaurus_choices(low, 6)
                        rep = rng.choice(choices) if choices else None
        if rep is not None:
            s, e = toks[i][0], toks[i + span_n - 1][1]
            orig = text[s:e]
            rep_c = _match_case(orig, rep)
            if rep_c != orig:
                out.append(text[pos:s])
                spun_len += s - pos
                out.append(rep_c)
                alignment.append((s, e, spun_len, spun_len + len(rep_c), orig, rep_c))
                spun_len += len(rep_c)
                pos = e
                changed += span_n
        i += span_n
    out.append(text[pos:])
    return SpunText("".join(out), text, alignment, style)
