"""The demo catalog's product lines: per category, the styles a Neikeng factory
offers (names, materials, HS codes, price ranges in USD a pair) and how they are sized,
packed and shipped.  Prices follow what the cluster quotes FOB: hotel slippers $0.12-0.45,
flip-flops $0.45-1.50, EVA slides $1.2-3.5, plush slippers $1.8-4.5 a pair.
"""

from __future__ import annotations

from dataclasses import dataclass

THONG, PLASTIC, TEXTILE = "6402.20", "6402.99", "6404.19"


@dataclass(frozen=True)
class Style:
    name: str
    detail: str
    materials: tuple[str, ...]
    price: tuple[float, float]  # USD a pair at the MOQ
    hs: str = PLASTIC
    colors: tuple[str, ...] = ()  # when the style comes in set colours only


@dataclass(frozen=True)
class Line:
    """What a category of footwear is like: sizes, prices, packing, palette."""

    code: str
    label: str
    who: tuple[str, ...]
    moq: tuple[int, int, int]  # low, high, step
    carton_pairs: tuple[int, int, int]
    pair_litres: float  # packed volume of a pair
    pair_kg: float
    lead_days: tuple[int, int]
    palette: tuple[str, ...]
    styles: tuple[Style, ...]


ADULTS = ("Men's", "Women's", "Unisex")
KIDS = ("Kids'", "Boys'", "Girls'", "Toddler")

LINES: dict[str, Line] = {
    "eva-slippers": Line(
        "EVA",
        "EVA slippers",
        ADULTS,
        (1000, 5000, 500),
        (40, 80, 10),
        2.0,
        0.25,
        (20, 40),
        ("black", "white", "grey", "navy", "pink", "beige", "khaki", "mint", "lilac", "brown"),
        (
            Style(
                "EVA home slippers, open toe, soft thick sole",
                "One-piece injected EVA, 3 cm sole that gives under the heel.",
                ("EVA",),
                (0.9, 2.2),
            ),
            Style(
                "EVA pillow slippers, 4 cm cloud sole",
                "Thick, cushioned 'cloud' sole with a rocker shape; feels like walking on "
                "a pillow.",
                ("EVA",),
                (1.4, 2.8),
            ),
            Style(
                "EVA massage slippers with acupressure nubs",
                "Footbed with raised massage nubs; ribbed anti-slip outsole.",
                ("EVA",),
                (1.1, 2.3),
            ),
            Style(
                "EVA cross-strap slippers, lightweight",
                "Two crossed straps, 160 g a pair in size 40.",
                ("EVA",),
                (0.9, 1.8),
            ),
            Style(
                "recycled EVA indoor-outdoor slippers, 2-tone",
                "Up to 30% recycled EVA from our own trimmings; two-colour injection.",
                ("EVA",),
                (1.2, 2.6),
            ),
        ),
    ),
    "pvc-slippers": Line(
        "PVC",
        "PVC slippers",
        ADULTS,
        (1200, 6000, 600),
        (50, 80, 10),
        1.8,
        0.3,
        (20, 40),
        ("black", "white", "red", "blue", "transparent", "pink", "brown", "navy", "green"),
        (
            Style(
                "PVC injection slippers, cross-strap",
                "Injected PVC in one piece, durable and washable.",
                ("PVC",),
                (0.7, 1.6),
            ),
            Style(
                "PVC jelly slippers with glitter",
                "Soft transparent PVC with glitter, scented on request.",
                ("PVC",),
                (0.9, 2.0),
            ),
            Style(
                "blow-moulded PVC slippers, extra light",
                "Blow-moulded PVC sole, air cushion, very light.",
                ("PVC",),
                (0.8, 1.7),
            ),
            Style(
                "PVC slippers with woven-look strap",
                "PVC strap with a woven texture on a PVC sole.",
                ("PVC",),
                (1.0, 2.2),
            ),
            Style(
                "two-colour PVC slippers, anti-slip sole",
                "Two-colour injection; deep anti-slip pattern on the outsole.",
                ("PVC",),
                (0.8, 1.8),
            ),
        ),
    ),
    "flip-flops": Line(
        "FF",
        "Flip-flops",
        ADULTS,
        (2000, 10000, 1000),
        (80, 120, 10),
        1.2,
        0.2,
        (20, 35),
        (
            "black",
            "white",
            "navy",
            "red",
            "yellow",
            "sky blue",
            "orange",
            "green",
            "pink",
            "camouflage",
            "multicolor",
        ),
        (
            Style(
                "rubber flip-flops, printed footbed",
                "Natural rubber sole, full-colour printed footbed.",
                ("rubber",),
                (0.6, 1.5),
                THONG,
            ),
            Style(
                "PE flip-flops with PVC strap",
                "Light PE foam sole and a soft PVC thong strap.",
                ("PE", "PVC"),
                (0.45, 0.9),
                THONG,
            ),
            Style(
                "promotional EVA flip-flops, custom logo print",
                "Low-cost EVA flip-flops for events and promotions; your logo printed "
                "on the footbed.",
                ("EVA",),
                (0.45, 0.95),
                THONG,
            ),
            Style(
                "natural rubber flip-flops, 15 mm sole",
                "15 mm natural rubber, herringbone outsole, strong plug.",
                ("rubber",),
                (0.8, 1.5),
                THONG,
            ),
            Style(
                "EVA flip-flops with padded PVC strap",
                "Two-layer EVA sole with a padded PVC strap.",
                ("EVA", "PVC"),
                (0.6, 1.3),
                THONG,
            ),
            Style(
                "wedding flip-flops, white, bulk packed",
                "Simple EVA flip-flops for weddings and hotels, bulk packed by size.",
                ("EVA",),
                (0.45, 0.8),
                THONG,
                colors=("white",),
            ),
        ),
    ),
    "slides": Line(
        "SLD",
        "Slides",
        ADULTS,
        (1000, 5000, 500),
        (30, 60, 6),
        2.4,
        0.35,
        (25, 45),
        ("black", "white", "grey", "navy", "beige", "army green", "khaki", "pink", "brown"),
        (
            Style(
                "EVA slide with embossed logo, 2-tone",
                "One-piece EVA slide; your logo embossed on the strap, two-colour injection.",
                ("EVA",),
                (1.2, 2.8),
            ),
            Style(
                "sport slides, one-piece EVA injection",
                "Contoured footbed, sporty strap, injected in one piece.",
                ("EVA",),
                (1.3, 2.6),
            ),
            Style(
                "PU strap slides with EVA footbed",
                "Padded PU strap glued and stitched to a moulded EVA footbed.",
                ("PU", "EVA"),
                (2.0, 3.5),
            ),
            Style(
                "padded strap slides, TPR outsole",
                "Padded PU strap, EVA midsole, hard-wearing TPR outsole.",
                ("PU", "EVA", "TPR"),
                (2.2, 3.5),
            ),
            Style(
                "pillow slides, 5 cm thick sole",
                "5 cm soft EVA sole, squared toe, fashionable 'cloud' look.",
                ("EVA",),
                (1.6, 3.2),
            ),
            Style(
                "double-buckle slides, cork-look footbed",
                "Two PU straps with metal buckles on a cork-look EVA footbed.",
                ("PU", "cork", "EVA"),
                (2.2, 3.5),
            ),
        ),
    ),
    "hotel-slippers": Line(
        "HTL",
        "Hotel slippers",
        ("Unisex",),
        (3000, 10000, 1000),
        (200, 400, 50),
        0.35,
        0.05,
        (10, 25),
        ("white", "beige", "cream", "grey", "navy", "black"),
        (
            Style(
                "disposable non-woven hotel slippers, 5 mm sole, individually bagged",
                "Non-woven upper, 5 mm EVA sole with dotted anti-slip print; one pair a bag.",
                ("non-woven", "EVA"),
                (0.12, 0.22),
                TEXTILE,
            ),
            Style(
                "terry cloth hotel slippers, closed toe, embroidered logo",
                "Cotton terry upper, 6 mm EVA sole; your logo embroidered.",
                ("terry cloth", "EVA"),
                (0.25, 0.45),
                TEXTILE,
            ),
            Style(
                "coral fleece spa slippers, 8 mm EVA sole",
                "Soft coral fleece, 8 mm EVA sole, for spas and premium rooms.",
                ("coral fleece", "EVA"),
                (0.28, 0.45),
                TEXTILE,
            ),
            Style(
                "waffle cotton hotel slippers, open toe",
                "Waffle-weave cotton upper, open toe, 5 mm sole.",
                ("cotton", "EVA"),
                (0.18, 0.35),
                TEXTILE,
            ),
            Style(
                "velvet hotel slippers, 10 mm anti-slip sole",
                "Velvet upper with a printed logo, 10 mm sole for suites.",
                ("velvet", "EVA"),
                (0.3, 0.45),
                TEXTILE,
            ),
            Style(
                "eco hotel slippers, linen upper",
                "Linen upper and a plant-fibre insole; recyclable paper band.",
                ("linen", "EVA"),
                (0.3, 0.45),
                TEXTILE,
            ),
        ),
    ),
    "plush-slippers": Line(
        "PLS",
        "Plush slippers",
        ADULTS,
        (500, 3000, 100),
        (20, 40, 4),
        3.5,
        0.3,
        (30, 50),
        ("pink", "light pink", "grey", "beige", "cream", "white", "lilac", "brown", "leopard"),
        (
            Style(
                "faux fur slides, fluffy",
                "Long-pile faux fur strap on an EVA sole; indoor and outdoor.",
                ("faux fur", "EVA"),
                (1.8, 3.6),
                TEXTILE,
            ),
            Style(
                "memory foam house slippers, coral fleece lining",
                "Memory foam insole, coral fleece lining, TPR anti-slip sole.",
                ("memory foam", "coral fleece", "TPR"),
                (2.4, 4.5),
                TEXTILE,
            ),
            Style(
                "velvet moccasin slippers, anti-slip TPR sole",
                "Velvet moccasin upper with plush lining, stitched TPR sole.",
                ("velvet", "plush", "TPR"),
                (2.6, 4.5),
                TEXTILE,
            ),
            Style(
                "cotton knit slippers, washable",
                "Knitted cotton upper, machine-washable at 30 °C.",
                ("cotton", "TPR"),
                (1.8, 3.2),
                TEXTILE,
            ),
            Style(
                "plush bootie slippers with faux fur cuff",
                "Warm bootie with a faux-fur cuff for winter.",
                ("plush", "faux fur", "TPR"),
                (2.8, 4.5),
                TEXTILE,
            ),
            Style(
                "Christmas plush slippers, reindeer design",
                "Seasonal design with antlers and a red nose; gift box available.",
                ("plush", "TPR"),
                (2.2, 4.0),
                TEXTILE,
            ),
        ),
    ),
    "bathroom-slippers": Line(
        "BTH",
        "Bathroom slippers",
        (*ADULTS, "Couples'"),
        (1000, 5000, 500),
        (40, 80, 10),
        1.8,
        0.25,
        (20, 35),
        ("white", "grey", "sky blue", "pink", "mint", "beige", "navy", "yellow"),
        (
            Style(
                "anti-slip bathroom slippers with drainage holes",
                "Drainage holes and a deep anti-slip sole for wet floors.",
                ("EVA",),
                (0.8, 1.8),
            ),
            Style(
                "quick-dry EVA shower slippers",
                "Closed-cell EVA that does not absorb water; dries in minutes.",
                ("EVA",),
                (0.9, 2.0),
            ),
            Style(
                "soft PVC bathroom slippers, massage footbed",
                "Soft PVC with a massage footbed, ribbed outsole.",
                ("PVC",),
                (0.8, 1.6),
            ),
            Style(
                "TPR anti-slip bathroom slippers for seniors",
                "TPR outsole with suction-cup pattern, tested on wet tiles.",
                ("TPR", "EVA"),
                (1.2, 2.2),
            ),
            Style(
                "ribbed bathroom slippers, 2-tone",
                "Ribbed strap and footbed, two-colour injection.",
                ("EVA",),
                (0.9, 1.9),
            ),
        ),
    ),
    "beach-sandals": Line(
        "BCH",
        "Beach sandals",
        ADULTS,
        (1000, 5000, 500),
        (40, 60, 10),
        2.2,
        0.35,
        (25, 45),
        ("black", "brown", "navy", "khaki", "army green", "beige", "orange", "sky blue"),
        (
            Style(
                "beach sandals with adjustable hook-and-loop straps",
                "Three adjustable straps, EVA footbed, rubber outsole.",
                ("EVA", "rubber"),
                (1.4, 3.0),
            ),
            Style(
                "EVA beach sandals, wedge sole",
                "Light EVA wedge, 5 cm heel, ankle strap with buckle.",
                ("EVA",),
                (1.2, 2.6),
            ),
            Style(
                "sport sandals, TPU straps, rubber outsole",
                "TPU-coated webbing straps, moulded footbed, rubber outsole.",
                ("TPU", "rubber", "EVA"),
                (2.0, 3.2),
            ),
            Style(
                "water sandals, quick-dry, drainage holes",
                "Closed toe, drainage holes, TPR outsole for rocks and boats.",
                ("EVA", "TPR"),
                (1.4, 2.8),
            ),
            Style(
                "gladiator beach sandals, PU straps",
                "PU straps with ring details, rubber sole.",
                ("PU", "rubber"),
                (1.5, 3.0),
            ),
        ),
    ),
    "kids-slippers": Line(
        "KID",
        "Kids' slippers",
        KIDS,
        (500, 3000, 100),
        (60, 120, 12),
        1.0,
        0.15,
        (20, 40),
        ("pink", "yellow", "sky blue", "red", "green", "purple", "orange", "lilac", "navy"),
        (
            Style(
                "cartoon EVA slippers, bear design",
                "Soft EVA with a moulded bear face; anti-slip sole.",
                ("EVA",),
                (0.7, 1.6),
            ),
            Style(
                "plush slippers with bunny ears",
                "Plush upper with bunny ears, TPR sole with anti-slip dots.",
                ("plush", "TPR"),
                (1.2, 2.5),
                TEXTILE,
            ),
            Style(
                "light-up slides, LED sole",
                "LED lights in the sole flash when walking; battery sealed in.",
                ("PVC", "EVA"),
                (1.4, 2.5),
            ),
            Style(
                "bathroom slippers, anti-slip, drainage holes",
                "Light EVA for small feet, drainage holes, rounded toe.",
                ("EVA",),
                (0.6, 1.2),
            ),
            Style(
                "dinosaur clog slippers",
                "Clog shape with dinosaur spikes, heel strap.",
                ("EVA",),
                (1.0, 2.0),
            ),
            Style(
                "flip-flops, printed strap",
                "Rubber flip-flops with a printed strap and a back strap.",
                ("rubber",),
                (0.6, 1.2),
                THONG,
            ),
        ),
    ),
    "clogs": Line(
        "CLG",
        "Clogs",
        ADULTS,
        (500, 3000, 100),
        (20, 36, 4),
        3.2,
        0.4,
        (25, 45),
        ("black", "white", "navy", "army green", "pink", "sky blue", "yellow", "beige", "red"),
        (
            Style(
                "EVA garden clogs, ventilation holes",
                "Classic clog shape, ventilation holes, pivoting heel strap.",
                ("EVA",),
                (1.6, 3.0),
            ),
            Style(
                "nursing clogs, anti-slip, closed back",
                "Closed back for hospital and kitchen work; slip-resistant sole.",
                ("EVA", "TPR"),
                (2.2, 4.2),
            ),
            Style(
                "lined winter clogs, removable plush lining",
                "EVA clog with a removable plush lining.",
                ("EVA", "plush"),
                (2.4, 4.2),
            ),
            Style(
                "kitchen work clogs, oil-resistant sole",
                "Oil-resistant rubber outsole, easy to hose down.",
                ("EVA", "rubber"),
                (2.4, 4.0),
            ),
            Style(
                "platform clogs, 4 cm sole",
                "Fashion clog with a 4 cm platform sole.",
                ("EVA",),
                (2.0, 3.8),
            ),
        ),
    ),
}

SIZES = {
    "Men's": [(39, 45), (40, 45), (40, 46), (39, 46)],
    "Women's": [(36, 41), (36, 40), (36, 42), (37, 41)],
    "Unisex": [(36, 45), (36, 44), (37, 45)],
    "Couples'": [(36, 45)],
    "Kids'": [(24, 35), (26, 35), (28, 35)],
    "Boys'": [(28, 35), (30, 35), (26, 33)],
    "Girls'": [(24, 33), (28, 35), (26, 35)],
    "Toddler": [(24, 29), (24, 28)],
}
HOTEL_SIZES = [(38, 44), (36, 44), (40, 44)]

PORTS = ("Xiamen", "Xiamen", "Xiamen", "Quanzhou", "Quanzhou", "Fuzhou", "Shenzhen")
EXTRA_INCOTERMS = ("EXW", "CIF", "CFR", "FCA", "DDP")

# state -> weight
STATES = (
    ("published", 72),
    ("draft", 8),
    ("pending_review", 8),
    ("rejected", 5),
    ("archived", 5),
    ("suspended", 2),
)

REJECTIONS: tuple[str, ...] = (
    "The photos show another brand's logo on the strap. Upload photos of your own product.",
    "Prices look like CNY entered as USD: please check the currency of the price tiers.",
    "The pictures are drawings. Upload photos of the product taken in your sample room.",
    "The description is copied from another of your products. Say what is different about "
    "this one.",
)
REJECTIONS_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "clogs": (
        "The description mentions a registered trade mark ('Crocs-style'). Remove "
        "third-party brand names.",
    ),
    "plush-slippers": (
        "The HS code does not match the upper material: textile-upper slippers are 6404.19.",
    ),
    "hotel-slippers": (
        "The hotel's logo in the photos belongs to a hotel group: show a neutral sample or "
        "your licence to use the logo.",
    ),
    "kids-slippers": (
        "The cartoon character in the photos is licensed artwork. Show your licence or "
        "use your own design.",
    ),
}
SUSPENSIONS = (
    "A buyer reported that the design copies a protected design. Hidden while we check.",
    "Test report for phthalates (REACH) requested by a buyer has not been provided.",
)

# Told apart by a detail when a factory lists the same style more than once.
VARIANTS: dict[str, tuple[str, ...]] = {
    "eva-slippers": ("printed insole", "glitter strap", "camouflage print", "extra-wide fit"),
    "pvc-slippers": ("scented", "metallic finish", "budget line", "thick sole"),
    "flip-flops": ("printed strap", "wide strap", "glow-in-the-dark", "mesh bag packed"),
    "slides": ("metallic logo", "textured footbed", "hollow-out strap", "budget line"),
    "hotel-slippers": (
        "printed logo",
        "paper box packed",
        "for airlines",
        "for spas",
        "drawstring bag",
        "extra thick sole",
        "eco packaging",
        "kraft paper band",
    ),
    "plush-slippers": ("gift box", "heart pattern", "star pattern", "pom-pom"),
    "bathroom-slippers": ("hotel pack", "eco EVA", "soft touch", "budget line"),
    "beach-sandals": ("camouflage", "printed straps", "budget line", "padded straps"),
    "kids-slippers": ("unicorn design", "shark design", "car design", "cat design"),
    "clogs": ("with charms", "lined", "budget line", "metallic finish"),
}
