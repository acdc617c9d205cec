"""Word lists for the demo portfolio: UK-ish small businesses and the people who work there.

Every mail domain and website ends in `.example` (RFC 2606), so no demo address can ever reach
a real mailbox. Telephone numbers come from the ranges Ofcom reserves for drama.
"""

from __future__ import annotations

from dataclasses import dataclass

FIRST_NAMES: tuple[str, ...] = (
    "Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Muhammad", "Thomas",
    "Oscar", "William", "James", "Henry", "Leo", "Alfie", "Joshua", "Freddie", "Archie",
    "Ethan", "Isaac", "Alexander", "Joseph", "Edward", "Samuel", "Max", "Daniel", "Arthur",
    "Lucas", "Mohammed", "Logan", "Theo", "Harrison", "Benjamin", "Mason", "Sebastian",
    "Finley", "Adam", "Dylan", "Zachary", "Riley", "Liam", "Ciaran", "Sean", "Conor", "Rory",
    "Callum", "Jamie", "Ravi", "Arjun", "Kwame", "Tomasz", "Piotr", "Andrew", "David", "Paul",
    "Mark", "Stephen", "Richard", "Simon", "Gareth", "Rhys", "Dafydd", "Graham", "Nigel",
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Isabella", "Mia", "Poppy", "Ella", "Lily",
    "Jessica", "Sophie", "Grace", "Evie", "Freya", "Charlotte", "Florence", "Ruby", "Chloe",
    "Daisy", "Alice", "Phoebe", "Matilda", "Sienna", "Eleanor", "Harriet", "Imogen",
    "Niamh", "Aoife", "Siobhan", "Roisin", "Catriona", "Eilidh", "Morag", "Priya", "Anjali",
    "Aisha", "Fatima", "Zara", "Amara", "Agnieszka", "Katarzyna", "Sarah", "Rachel",
    "Helen", "Claire", "Joanne", "Karen", "Susan", "Julie", "Nicola", "Rebecca", "Hannah",
    "Laura", "Emma", "Kirsty", "Gemma", "Bethan", "Ffion", "Megan", "Abigail", "Victoria",
)

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
    "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood",
    "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King",
    "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis",
    "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook",
    "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox",
    "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh",
    "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason",
    "Ali", "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills",
    "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens",
    "Jenkins", "Murray", "Dixon", "Harvey", "O'Brien", "O'Connor", "Byrne", "Ryan",
    "McCarthy", "Doyle", "Walsh", "MacDonald", "Fraser", "Stewart", "Reid", "Ross", "Sharma",
    "Kowalski", "Nowak", "Okafor", "Mensah", "Chen", "Nguyen", "Fernandes", "Rossi",
    "Pemberton", "Ashworth", "Hargreaves", "Whitfield", "Fairbairn", "Lockwood", "Thornton",
)

PLACES: tuple[str, ...] = (
    "Harrogate", "Ilkley", "Otley", "Headingley", "Chapel Allerton", "Roundhay", "Didsbury",
    "Chorlton", "Altrincham", "Sale", "Stockport", "Macclesfield", "Knutsford", "Clifton",
    "Redland", "Bishopston", "Bath", "Frome", "Wells", "Taunton", "Exeter", "Topsham",
    "Truro", "Falmouth", "Winchester", "Romsey", "Salisbury", "Marlborough", "Cirencester",
    "Cheltenham", "Tewkesbury", "Malvern", "Ludlow", "Shrewsbury", "Chester", "Nantwich",
    "Buxton", "Bakewell", "Matlock", "Harborne", "Edgbaston", "Solihull", "Warwick",
    "Leamington", "Stratford", "Banbury", "Abingdon", "Witney", "Henley", "Marlow",
    "Amersham", "Berkhamsted", "Harpenden", "St Albans", "Hertford", "Saffron Walden",
    "Sudbury", "Lavenham", "Woodbridge", "Southwold", "Holt", "Wymondham", "Stamford",
    "Oakham", "Louth", "Beverley", "Malton", "Thirsk", "Richmond", "Hexham", "Morpeth",
    "Alnwick", "Jesmond", "Kendal", "Keswick", "Penrith", "Lancaster", "Clitheroe",
    "Islington", "Hackney", "Clapham", "Battersea", "Putney", "Wimbledon", "Richmond Hill",
    "Greenwich", "Blackheath", "Dulwich", "Crouch End", "Highgate", "Hampstead",
    "Sevenoaks", "Tunbridge Wells", "Canterbury", "Whitstable", "Faversham", "Rye", "Lewes",
    "Brighton", "Hove", "Chichester", "Petersfield", "Guildford", "Dorking", "Reigate",
    "Cardiff", "Penarth", "Cowbridge", "Swansea", "Mumbles", "Abergavenny", "Monmouth",
    "Edinburgh", "Leith", "Stockbridge", "Morningside", "Glasgow", "Partick", "Stirling",
    "Perth", "St Andrews", "Aberdeen", "Inverness", "Belfast", "Holywood", "Bangor",
)

IRISH_PLACES: tuple[str, ...] = (
    "Dublin", "Ranelagh", "Rathmines", "Blackrock", "Dun Laoghaire", "Malahide", "Howth",
    "Cork", "Kinsale", "Galway", "Limerick", "Kilkenny", "Wexford", "Waterford", "Sligo",
    "Athlone", "Drogheda", "Dundalk", "Bray", "Naas",
)

WORDS: tuple[str, ...] = (
    "Oak", "Beacon", "Harbour", "Meridian", "Northlight", "Kestrel", "Heron", "Willow",
    "Linden", "Foxglove", "Bramble", "Juniper", "Granite", "Slate", "Copper", "Flint",
    "Lantern", "Compass", "Anchor", "Orchard", "Riverside", "Hillside", "Meadow", "Fern",
    "Thistle", "Ash", "Rowan", "Hawthorn", "Saffron", "Indigo", "Cobalt", "Ember",
)

SAINTS: tuple[str, ...] = (
    "Mary", "John", "Peter", "Paul", "Andrew", "Michael", "Anne", "Catherine", "Margaret",
    "Bede", "Cuthbert", "Aidan", "Hilda", "Chad", "Oswald", "Edmund", "Alban", "David",
    "Patrick", "Brigid", "Columba", "Ninian", "Teresa", "Joseph",
)

STREETS: tuple[str, ...] = (
    "High Street", "Station Road", "Church Street", "Market Place", "Victoria Road",
    "Park Lane", "King Street", "Queen Street", "Mill Lane", "The Parade", "North Street",
    "Bridge Street", "Castle Street", "London Road", "Albert Road", "George Street",
    "Chapel Walk", "Princes Street", "Regent Street", "Old Bank Yard",
)

# Ofcom's drama ranges: area code → fictional local prefix (four random digits follow).
UK_AREA_CODES: tuple[str, ...] = (
    "020 7946 0", "0113 496 0", "0114 496 0", "0115 496 0", "0116 496 0", "0117 496 0",
    "0118 496 0", "0121 496 0", "0131 496 0", "0141 496 0", "0151 496 0", "0161 496 0",
    "0191 498 0", "028 9649 6",
)
UK_MOBILE_PREFIX = "07700 900"
IE_PHONE_PREFIX = "+353 1 555 0"
IE_MOBILE_PREFIX = "+353 85 555 0"


@dataclass(frozen=True)
class Sector:
    """A kind of small business: how it is named and what its people are called."""

    key: str
    name_patterns: tuple[str, ...]
    boss_titles: tuple[str, ...]
    pa_titles: tuple[str, ...]
    billing_titles: tuple[str, ...]
    staff_titles: tuple[str, ...]
    weight: int = 10


_PA = ("PA to the Director", "Executive Assistant", "Office Manager")
_FD = ("Finance Director", "Finance Manager", "Head of Finance")

SECTORS: tuple[Sector, ...] = (
    Sector(
        "dental",
        ("{place} Dental Practice", "{place} Dental Care", "{last} & {last2} Dental",
         "Smile Studio {place}", "{word} Dental"),
        ("Principal Dentist", "Practice Owner"),
        ("Practice Manager", "PA to the Principal"),
        ("Practice Accountant", "Finance Manager"),
        ("Associate Dentist", "Dental Nurse", "Hygienist", "Receptionist", "Orthodontist",
         "Dental Therapist", "Treatment Coordinator"),
        weight=14,
    ),
    Sector(
        "law",
        ("{last} {last2} LLP", "{last} & Co Solicitors", "{last} {last2} Solicitors",
         "{last} Law", "{place} Legal"),
        ("Managing Partner", "Senior Partner"),
        ("PA to the Managing Partner", "Practice Manager", "Legal PA"),
        ("Finance Director", "Cashier", "Head of Finance"),
        ("Solicitor", "Associate Solicitor", "Paralegal", "Legal Secretary",
         "Trainee Solicitor", "Conveyancer", "Receptionist"),
        weight=14,
    ),
    Sector(
        "accountants",
        ("{last} & {last2} Accountants", "{place} Accountancy", "{last} Chartered Accountants",
         "{last} {last2} & Partners", "{word} Tax & Accounts"),
        ("Managing Director", "Senior Partner"),
        _PA,
        ("Practice Finance Manager", "Finance Director"),
        ("Accountant", "Audit Senior", "Tax Manager", "Bookkeeper", "Payroll Administrator",
         "Accounts Assistant", "Trainee Accountant"),
        weight=12,
    ),
    Sector(
        "architects",
        ("{last} {last2} Architects", "Studio {word}", "{place} Architecture",
         "{word} Architects", "{last} Design Partnership"),
        ("Principal Architect", "Founding Director"),
        ("Studio Manager", "Office Manager"),
        _FD,
        ("Architect", "Project Architect", "Architectural Technologist", "Part II Architect",
         "CAD Technician", "Interior Designer", "Landscape Architect"),
        weight=9,
    ),
    Sector(
        "estate_agents",
        ("{last} & {last2} Estate Agents", "{place} Property", "{last} Lettings",
         "{word} Homes", "{last} Residential"),
        ("Managing Director", "Director"),
        ("Office Manager", "PA to the Director"),
        ("Accounts Manager", "Finance Director"),
        ("Sales Negotiator", "Lettings Negotiator", "Branch Manager", "Property Manager",
         "Valuer", "Lettings Administrator", "Mortgage Adviser"),
        weight=10,
    ),
    Sector(
        "charity",
        ("{place} Community Trust", "Friends of {place}", "{place} Food Bank",
         "{word} Foundation", "{place} Carers Network"),
        ("Chief Executive", "Director"),
        ("Executive Assistant", "Office Manager"),
        ("Finance Manager", "Treasurer", "Head of Finance"),
        ("Fundraising Manager", "Volunteer Coordinator", "Programme Officer",
         "Communications Officer", "Support Worker", "Project Coordinator"),
        weight=8,
    ),
    Sector(
        "school",
        ("St {saint}'s Primary School", "{place} Academy", "{place} Preparatory School",
         "{place} Montessori", "{place} Grammar School"),
        ("Head Teacher", "Principal"),
        ("PA to the Head", "School Office Manager"),
        ("Bursar", "School Business Manager"),
        ("Teacher", "Teaching Assistant", "SENCO", "Head of Year", "Deputy Head",
         "Admissions Officer", "Caretaker"),
        weight=8,
    ),
    Sector(
        "vets",
        ("{place} Veterinary Centre", "{place} Vets", "{word} Veterinary Clinic"),
        ("Clinical Director", "Practice Owner"),
        ("Practice Manager",),
        ("Finance Manager", "Practice Accountant"),
        ("Veterinary Surgeon", "Veterinary Nurse", "Receptionist", "Animal Care Assistant"),
        weight=5,
    ),
    Sector(
        "medical",
        ("{place} Medical Practice", "{place} Physiotherapy", "{place} Opticians",
         "{word} Health Clinic"),
        ("Managing Partner", "Clinical Lead"),
        ("Practice Manager", "Executive Assistant"),
        ("Finance Manager",),
        ("GP", "Practice Nurse", "Physiotherapist", "Optometrist", "Receptionist",
         "Healthcare Assistant", "Medical Secretary"),
        weight=6,
    ),
    Sector(
        "agency",
        ("{word} Creative", "{word} & {word2} Marketing", "{place} Recruitment",
         "{word} Digital", "{last} Consulting"),
        ("Managing Director", "Founder"),
        ("Executive Assistant", "Operations Manager"),
        _FD,
        ("Account Manager", "Designer", "Copywriter", "Recruitment Consultant",
         "Developer", "Project Manager", "Consultant", "Marketing Executive"),
        weight=8,
    ),
)

SECOND_SITE_NAMES: tuple[str, ...] = ("Branch office", "Satellite office", "Warehouse", "Annexe")

# Foreign offices some UK clients keep: (site name, time zone, language of local staff).
FOREIGN_SITES: tuple[tuple[str, str, str], ...] = (
    ("Dublin office", "Europe/Dublin", "en"),
    ("Paris office", "Europe/Paris", "fr"),
    ("Amsterdam office", "Europe/Amsterdam", "nl"),
    ("Madrid office", "Europe/Madrid", "es"),
    ("New York office", "America/New_York", "en"),
)

CONTRACT_NAMES: tuple[str, ...] = (
    "IT maintenance agreement", "Managed IT support", "Managed service agreement",
    "IT support contract", "Support and maintenance plan",
)
