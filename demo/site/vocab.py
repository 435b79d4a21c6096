"""Bilingual vocabulary of the demo catalog: categories, brands, colours and description text.

Data only. Every list is parallel English / French; the catalog picks from them with a
hash of ``(seed, product index)``, so names and descriptions are deterministic and varied
enough that clean product pages are never near-duplicates of each other.

French text avoids constructions whose agreement would depend on the product noun's
gender (``Avec {name}, ...`` rather than ``Le {name} est conçu ...``).
"""

from __future__ import annotations

# slug_en, slug_fr, name_en, name_fr, nouns (en, fr), size system, price range (CAD), weight
CATEGORIES: tuple[tuple[str, str, str, str, tuple[tuple[str, str], ...], str, int, int, int], ...] = (
    ("jackets", "vestes", "Jackets & Parkas", "Vestes et manteaux",
     (("Jacket", "Veste"), ("Parka", "Parka"), ("Rain Shell", "Coquille imperméable"), ("Windbreaker", "Coupe-vent")),
     "apparel", 89, 549, 9),
    ("hiking-boots", "bottes-de-randonnee", "Hiking Boots", "Bottes de randonnée",
     (("Hiking Boot", "Botte de randonnée"), ("Trail Boot", "Botte de sentier"), ("Approach Shoe", "Chaussure d'approche")),
     "footwear", 119, 329, 7),
    ("running-shoes", "chaussures-de-course", "Running Shoes", "Chaussures de course",
     (("Trail Runner", "Chaussure de trail"), ("Road Shoe", "Chaussure de route"), ("Racing Flat", "Chaussure de piste")),
     "footwear", 99, 259, 7),
    ("base-layers", "couches-de-base", "Base Layers", "Couches de base",
     (("Base Layer Top", "Haut thermique"), ("Thermal Legging", "Legging thermique"), ("Merino Crew", "Chandail en mérinos")),
     "apparel", 39, 149, 6),
    ("backpacks", "sacs-a-dos", "Backpacks & Bags", "Sacs à dos et sacoches",
     (("Daypack", "Sac de jour"), ("Trekking Pack", "Sac de trekking"), ("Commuter Pack", "Sac urbain")),
     "none", 59, 399, 6),
    ("tents", "tentes", "Tents & Shelters", "Tentes et abris",
     (("Backpacking Tent", "Tente de randonnée"), ("Family Tent", "Tente familiale"), ("Bivy Shelter", "Abri bivouac")),
     "none", 149, 899, 4),
    ("sleeping-bags", "sacs-de-couchage", "Sleeping Bags", "Sacs de couchage",
     (("Down Sleeping Bag", "Sac en duvet"), ("Synthetic Bag", "Sac synthétique"), ("Sleeping Quilt", "Couette de camping")),
     "none", 99, 599, 4),
    ("camp-kitchen", "cuisine-de-camping", "Camp Kitchen", "Cuisine de camping",
     (("Camp Stove", "Réchaud de camping"), ("Cook Set", "Ensemble de cuisson"), ("Kettle", "Bouilloire")),
     "none", 19, 249, 5),
    ("headlamps", "lampes-frontales", "Headlamps & Lanterns", "Lampes et lanternes",
     (("Headlamp", "Lampe frontale"), ("Lantern", "Lanterne"), ("Bike Light", "Lumière de vélo")),
     "none", 19, 179, 4),
    ("bikes", "velos", "Bikes & Cycling", "Vélos et cyclisme",
     (("Gravel Bike", "Vélo de gravelle"), ("Mountain Bike", "Vélo de montagne"), ("City Bike", "Vélo urbain")),
     "frame", 599, 3999, 3),
    ("bike-accessories", "accessoires-de-velo", "Bike Accessories", "Accessoires de vélo",
     (("Bike Helmet", "Casque de vélo"), ("Saddle Bag", "Sacoche de selle"), ("Floor Pump", "Pompe à pied")),
     "none", 15, 249, 5),
    ("skis", "skis", "Alpine & Nordic Skis", "Skis alpins et nordiques",
     (("All-Mountain Ski", "Ski toute-montagne"), ("Touring Ski", "Ski de randonnée"), ("Cross-Country Ski", "Ski de fond")),
     "ski", 299, 1199, 3),
    ("snowshoes", "raquettes", "Snowshoes & Poles", "Raquettes et bâtons",
     (("Snowshoe", "Raquette"), ("Backcountry Snowshoe", "Raquette de montagne"), ("Trekking Pole", "Bâton de marche")),
     "none", 49, 399, 3),
    ("kayaks-paddles", "kayaks-et-pagaies", "Kayaks & Paddles", "Kayaks et pagaies",
     (("Touring Kayak", "Kayak de randonnée"), ("Paddle", "Pagaie"), ("Dry Bag", "Sac étanche")),
     "none", 25, 2499, 3),
    ("climbing", "escalade", "Climbing Gear", "Équipement d'escalade",
     (("Climbing Harness", "Baudrier d'escalade"), ("Climbing Rope", "Corde d'escalade"), ("Chalk Bag", "Sac à magnésie")),
     "none", 19, 329, 4),
    ("hydration", "hydratation", "Bottles & Hydration", "Gourdes et hydratation",
     (("Water Bottle", "Gourde"), ("Hydration Reservoir", "Réservoir d'eau"), ("Water Filter", "Filtre à eau")),
     "none", 12, 149, 5),
    ("gloves-hats", "gants-et-tuques", "Gloves & Hats", "Gants et tuques",
     (("Insulated Glove", "Gant isolé"), ("Toque", "Tuque"), ("Neck Gaiter", "Cache-cou")),
     "apparel", 15, 119, 6),
    ("socks", "chaussettes", "Socks & Liners", "Chaussettes et doublures",
     (("Hiking Sock", "Bas de randonnée"), ("Running Sock", "Bas de course"), ("Ski Sock", "Bas de ski")),
     "apparel", 12, 39, 5),
    ("navigation", "gps-et-navigation", "GPS & Navigation", "GPS et navigation",
     (("GPS Watch", "Montre GPS"), ("Compass", "Boussole"), ("Handheld GPS", "GPS portatif")),
     "none", 29, 899, 3),
    ("kids", "enfants", "Kids' Gear", "Équipement pour enfants",
     (("Kids' Jacket", "Veste pour enfants"), ("Kids' Boot", "Botte pour enfants"), ("Child Carrier", "Porte-bébé")),
     "apparel", 29, 349, 4),
)  # fmt: skip

SIZES: dict[str, tuple[str, ...]] = {
    "apparel": ("XS", "S", "M", "L", "XL"),
    "footwear": ("7", "8", "9", "10", "11", "12"),
    "frame": ("S", "M", "L"),
    "ski": ("160", "170", "180"),
    "none": ("One size",),
}

# (slug, English, French) — the slug is the facet value in both languages.
COLORS: tuple[tuple[str, str, str], ...] = (
    ("black", "Black", "Noir"),
    ("navy", "Navy", "Marine"),
    ("forest-green", "Forest Green", "Vert forêt"),
    ("red", "Red", "Rouge"),
    ("grey", "Grey", "Gris"),
    ("blue", "Blue", "Bleu"),
    ("orange", "Orange", "Orange"),
    ("sand", "Sand", "Sable"),
)

BRANDS: tuple[str, ...] = (
    "Northwind", "Cedarline", "Glacier Peak", "Tundra & Co", "Lakehead", "Maple Ridge",
    "Borealis", "Kestrel", "Timberwolf", "Aurora Gear", "Fjordlight", "Ridgeback",
    "Portage", "Laurentian", "Sable Point", "Muskoka Works", "Chinook", "Hudson Trail",
    "Saguenay", "Okanagan", "Nahanni", "Algonquin", "Gaspé Supply", "Rocky Harbour",
)  # fmt: skip

LINES: tuple[str, ...] = (
    "Summit", "Trailhead", "Aurora", "Voyageur", "Horizon", "Cascade", "Ember", "Granite",
    "Tamarack", "Meridian", "Northstar", "Solstice", "Driftwood", "Kodiak", "Spruce",
    "Boundary", "Frontier", "Pinnacle", "Basecamp", "Zephyr", "Tempest", "Chinook",
)  # fmt: skip

# ----------------------------------------------------------------- description pools
ACTIVITIES = (
    ("day hikes", "les randonnées d'une journée"), ("multi-day treks", "les treks de plusieurs jours"),
    ("early-morning trail runs", "les courses matinales en sentier"), ("winter camping", "le camping d'hiver"),
    ("canoe portages", "les portages en canot"), ("city commutes", "les trajets en ville"),
    ("alpine scrambles", "les ascensions alpines"), ("family weekends", "les fins de semaine en famille"),
    ("backcountry ski tours", "les sorties de ski hors-piste"), ("lakeside fishing trips", "les sorties de pêche au bord du lac"),
    ("gravel rides", "les sorties de vélo sur gravelle"), ("snowshoe loops", "les boucles en raquettes"),
    ("rock climbing sessions", "les séances d'escalade"), ("coastal paddles", "les sorties de pagaie sur la côte"),
    ("festival camping", "le camping de festival"), ("dog walks in the rain", "les promenades du chien sous la pluie"),
    ("hut-to-hut traverses", "les traversées de refuge en refuge"), ("overnight bikepacking", "le bikepacking d'une nuit"),
    ("ice fishing", "la pêche blanche"), ("school-day adventures", "les aventures après l'école"),
)  # fmt: skip
PLACES = (
    ("the Rockies", "les Rocheuses"), ("the Laurentians", "les Laurentides"), ("Algonquin Park", "le parc Algonquin"),
    ("the Bruce Trail", "le sentier Bruce"), ("Gros Morne", "le Gros-Morne"), ("the Gaspé Peninsula", "la Gaspésie"),
    ("Vancouver Island", "l'île de Vancouver"), ("the Charlevoix hills", "les collines de Charlevoix"),
    ("the Cabot Trail", "la piste Cabot"), ("Killarney", "Killarney"), ("the Yukon", "le Yukon"),
    ("the Eastern Townships", "les Cantons-de-l'Est"), ("Jasper", "Jasper"), ("the Muskoka lakes", "les lacs de Muskoka"),
    ("the Okanagan valley", "la vallée de l'Okanagan"), ("Fundy", "Fundy"), ("the Saguenay fjord", "le fjord du Saguenay"),
    ("Banff", "Banff"), ("the Mont-Tremblant trails", "les sentiers du Mont-Tremblant"), ("Pacific Rim", "Pacific Rim"),
)  # fmt: skip
MATERIALS = (
    ("recycled ripstop nylon", "un nylon indéchirable recyclé"), ("merino wool", "la laine mérinos"),
    ("brushed polyester fleece", "une laine polaire brossée"), ("full-grain leather", "un cuir pleine fleur"),
    ("anodized aluminium", "un aluminium anodisé"), ("stainless steel", "l'acier inoxydable"),
    ("waxed canvas", "une toile cirée"), ("carbon fibre", "la fibre de carbone"),
    ("responsibly sourced down", "un duvet d'origine responsable"), ("organic cotton", "le coton biologique"),
    ("TPU-laminated fabric", "un tissu laminé TPU"), ("hemp blend", "un mélange de chanvre"),
    ("cordura panels", "des panneaux Cordura"), ("bamboo viscose", "la viscose de bambou"),
    ("titanium alloy", "un alliage de titane"), ("natural rubber", "le caoutchouc naturel"),
)  # fmt: skip
FEATURES = (
    ("taped seams", "des coutures scellées"), ("a two-way zipper", "une fermeture éclair à double sens"),
    ("reflective trim", "des bandes réfléchissantes"), ("an adjustable hood", "un capuchon ajustable"),
    ("a hidden key pocket", "une poche à clé dissimulée"), ("a reinforced base", "une base renforcée"),
    ("ventilated mesh panels", "des panneaux de maille ventilés"), ("a magnetic closure", "une fermeture magnétique"),
    ("a quick-release buckle", "une boucle à dégagement rapide"), ("a lifetime repair programme", "un programme de réparation à vie"),
    ("a moulded heel cup", "un contrefort moulé"), ("a pack-away stuff sack", "un sac de compression intégré"),
    ("glove-friendly pulls", "des tirettes faciles à saisir avec des gants"), ("a USB-C charging port", "un port de recharge USB-C"),
    ("a lightweight frame sheet", "une plaque dorsale légère"), ("a non-slip grip", "une prise antidérapante"),
    ("removable liners", "des doublures amovibles"), ("an articulated fit", "une coupe articulée"),
    ("double-stitched stress points", "des points de tension à double couture"), ("a water-repellent finish", "un fini déperlant"),
)  # fmt: skip
BENEFITS = (
    ("stays dry when the weather turns", "reste au sec quand la météo tourne"),
    ("packs down smaller than a loaf of bread", "se range dans moins d'espace qu'une miche de pain"),
    ("keeps its shape season after season", "garde sa forme saison après saison"),
    ("dries overnight beside the campfire", "sèche en une nuit près du feu de camp"),
    ("resists abrasion on granite and shale", "résiste à l'abrasion sur le granit et le schiste"),
    ("breathes on steep climbs", "respire bien dans les montées raides"),
    ("balances warmth and weight", "équilibre chaleur et légèreté"),
    ("sets up in under three minutes", "s'installe en moins de trois minutes"),
    ("cleans up with a quick rinse", "se nettoie d'un simple rinçage"),
    ("carries comfortably all day", "se porte confortablement toute la journée"),
    ("handles freezing mornings", "affronte les matins glacials"),
    ("moves with you on tricky terrain", "suit vos mouvements en terrain difficile"),
    ("earns its place in a minimalist kit", "mérite sa place dans un équipement minimaliste"),
    ("stands up to curious kids and dogs", "résiste aux enfants curieux et aux chiens"),
    ("fits neatly in a canoe barrel", "se range facilement dans un baril de canot"),
    ("shrugs off slush and road salt", "résiste à la gadoue et au sel de déglaçage"),
)  # fmt: skip
SEASONS = (
    ("spring thaw", "le dégel du printemps"), ("black-fly season", "la saison des mouches noires"),
    ("humid July afternoons", "les après-midi humides de juillet"), ("crisp September mornings", "les matins frais de septembre"),
    ("the first snowfall", "la première neige"), ("deep January cold", "le froid intense de janvier"),
    ("the shoulder seasons", "les saisons intermédiaires"), ("long Victoria Day weekends", "les longues fins de semaine de mai"),
)  # fmt: skip
CARE = (
    ("Machine wash cold and hang to dry.", "Laver à la machine à l'eau froide et suspendre pour sécher."),
    ("Wipe clean with a damp cloth after each outing.", "Essuyer avec un linge humide après chaque sortie."),
    ("Rinse with fresh water and store out of direct sunlight.", "Rincer à l'eau douce et ranger à l'abri du soleil."),
    ("Reproof with a wash-in treatment once a season.", "Réimperméabiliser une fois par saison avec un traitement au lavage."),
    ("Store loosely in a cool, dry place between trips.", "Ranger sans compresser dans un endroit frais et sec entre les sorties."),
    ("Hand wash with a mild soap and air dry.", "Laver à la main avec un savon doux et laisser sécher à l'air."),
    ("Condition the leather twice a year.", "Nourrir le cuir deux fois par année."),
    ("Check the fittings before every trip.", "Vérifier les fixations avant chaque sortie."),
)  # fmt: skip
ECO = (
    ("bluesign-approved mills", "des usines approuvées bluesign"), ("solar-powered workshops", "des ateliers alimentés à l'énergie solaire"),
    ("plastic-free packaging", "un emballage sans plastique"), ("a take-back programme", "un programme de reprise"),
    ("Fair Trade certified sewing", "une couture certifiée équitable"), ("PFC-free treatments", "des traitements sans PFC"),
    ("locally sourced components", "des composants d'origine locale"), ("carbon-offset shipping", "une livraison compensée en carbone"),
    ("repairable hardware", "une quincaillerie réparable"), ("recycled fishing nets", "des filets de pêche recyclés"),
)  # fmt: skip
TESTERS = (
    ("our Whitehorse guides", "nos guides de Whitehorse"), ("a Montréal bike courier", "des coursiers à vélo de Montréal"),
    ("park wardens in Jasper", "des gardes de parc à Jasper"), ("a family of five from Moncton", "les cinq membres d'une famille de Moncton"),
    ("ski patrollers at Whistler", "des patrouilleurs de ski à Whistler"), ("our staff in Québec City", "nos employés de Québec"),
    ("a canoe club in Peterborough", "les membres d'un club de canot de Peterborough"), ("search-and-rescue volunteers", "des bénévoles de recherche et sauvetage"),
    ("ultrarunners in Squamish", "des coureurs d'ultra à Squamish"), ("a scout troop in Saskatoon", "les scouts d'une troupe de Saskatoon"),
)  # fmt: skip

# Sentence templates, one tuple per slot; each entry is (English, French).
# Placeholders: {name} {activity} {activity2} {place} {place2} {material} {feature} {feature2} {benefit}
# {season} {color} {size_word} {hours} {grams} {years} {tester} {eco} {care} {other} {brand}
SENTENCES: tuple[tuple[tuple[str, str], ...], ...] = (
    (
        ("The {name} is made for {activity} in {place}.", "Avec {name}, {activity} dans {place} deviennent plus simples."),
        ("Built around {activity}, the {name} earns its keep from {place} to your back door.", "Pensé pour {activity}, {name} fait ses preuves de {place} jusqu'à votre porte."),
        ("Whether you are planning {activity} or a quick escape to {place}, the {name} is ready.", "Que vous prépariez {activity} ou une escapade dans {place}, {name} est prêt à partir."),
        ("We picked the {name} for anyone who loves {activity} around {place}.", "Nous avons choisi {name} pour tous les amateurs de {activity} autour de {place}."),
        ("From {place} to the local park, the {name} makes {activity} easier.", "De {place} au parc du quartier, {name} facilite {activity}."),
        ("Designers at {brand} shaped the {name} after a summer of {activity} in {place}.", "Les designers de {brand} ont conçu {name} après un été passé dans {place}."),
    ),
    (
        ("Its {material} shell {benefit}.", "Sa construction en {material} {benefit}."),
        ("Made with {material}, it {benefit}.", "Fabriqué avec {material}, ce modèle {benefit}."),
        ("The {material} construction {benefit}, even after years of use.", "La construction en {material} {benefit}, même après des années d'usage."),
        ("A body of {material} means the whole piece {benefit}.", "Grâce à {material}, l'ensemble {benefit}."),
        ("Thanks to {material}, it {benefit} without adding bulk.", "Grâce à {material}, ce modèle {benefit} sans ajouter de volume."),
    ),
    (
        ("Details such as {feature} and {feature2} show how much thought went into it.", "Des détails comme {feature} et {feature2} montrent le soin apporté à sa conception."),
        ("You also get {feature}, plus {feature2} for good measure.", "Vous profitez aussi de {feature}, ainsi que de {feature2}."),
        ("Look closer and you will find {feature} and {feature2}.", "En regardant de plus près, vous découvrirez {feature} et {feature2}."),
        ("Small touches like {feature} sit alongside {feature2}.", "De petites attentions comme {feature} accompagnent {feature2}."),
        ("Our favourite details are {feature} and {feature2}.", "Nos détails préférés : {feature} et {feature2}."),
    ),
    (
        ("It performs through {season} and well beyond.", "Il reste performant pendant {season} et bien au-delà."),
        ("Expect it to shine during {season}.", "Il se distingue particulièrement pendant {season}."),
        ("Customers tell us it is their go-to piece for {season}.", "Nos clients en font leur choix numéro un pour {season}."),
        ("Few products handle {season} this gracefully.", "Peu de produits affrontent {season} avec autant d'aisance."),
        ("Plan on reaching for it every time {season} comes around.", "Vous le choisirez chaque fois que reviendra {season}."),
    ),
    (
        ("This version comes in {color}, a shade that hides trail dust well.", "Cette version est offerte en {color}, une teinte qui dissimule bien la poussière."),
        ("The {color} colourway is our most requested this year.", "Le coloris {color} est le plus demandé cette année."),
        ("We stock it in {color}, matched to the rest of the range.", "Nous le proposons en {color}, assorti au reste de la gamme."),
        ("In {color}, it looks as good in town as it does at camp.", "En {color}, il a fière allure en ville comme au camp."),
        ("Choose {color} if you like a classic, understated look.", "Choisissez {color} pour un style classique et sobre."),
    ),
    (
        ("{tester} put it through {hours} hours of field testing before we agreed to sell it.", "{tester} l'ont mis à l'épreuve pendant {hours} heures avant que nous acceptions de le vendre."),
        ("Before launch, {tester} logged {hours} hours with it in all conditions.", "Avant le lancement, {tester} l'ont utilisé {hours} heures dans toutes les conditions."),
        ("It survived {hours} hours with {tester}, and came back asking for more.", "Il a survécu à {hours} heures avec {tester}, et en redemandait."),
        ("We trust it because {tester} spent {hours} hours trying to break it.", "Nous lui faisons confiance parce que {tester} ont passé {hours} heures à tenter de le briser."),
    ),
    (
        ("At {grams} grams, it will not weigh down your kit.", "Avec ses {grams} grammes, il n'alourdit pas votre équipement."),
        ("The trail weight is just {grams} grams.", "Son poids en sentier n'est que de {grams} grammes."),
        ("It tips the scale at {grams} grams, light enough for fast and far.", "Il pèse {grams} grammes, assez léger pour aller vite et loin."),
        ("Weighing {grams} grams, it balances comfort and packability.", "À {grams} grammes, il allie confort et compacité."),
    ),
    (
        ("{brand} builds it with {eco}.", "{brand} le fabrique avec {eco}."),
        ("Sustainability matters here: think {eco}.", "La durabilité compte : pensez à {eco}."),
        ("Part of the range relies on {eco}.", "Une partie de la gamme repose sur {eco}."),
        ("We chose it partly because of {eco}.", "Nous l'avons choisi en partie pour {eco}."),
    ),
    (
        ("Care is simple. {care}", "L'entretien est simple. {care}"),
        ("To keep it at its best: {care}", "Pour le garder en parfait état : {care}"),
        ("Looking after it takes minutes. {care}", "Son entretien ne prend que quelques minutes. {care}"),
    ),
    (
        ("Every purchase is covered by a {years}-year warranty and our 60-day return promise.", "Chaque achat est couvert par une garantie de {years} ans et notre promesse de retour de 60 jours."),
        ("It carries a {years}-year warranty, and our repair desk is always happy to help.", "Il est garanti {years} ans, et notre atelier de réparation est toujours prêt à aider."),
        ("A {years}-year warranty backs it, with free returns within 60 days.", "Une garantie de {years} ans le protège, avec retours gratuits pendant 60 jours."),
    ),
    (
        ("It also proved itself during {activity2} in {place2}, where conditions change by the hour and gear has to keep up.", "Il a aussi fait ses preuves pendant {activity2} dans {place2}, où les conditions changent d'heure en heure."),
        ("Reviewers mention it again and again for {activity2}, and several of them now own two, one for home and one for the cottage.", "Les critiques le recommandent souvent pour {activity2}, et plusieurs en possèdent deux, un pour la maison et un pour le chalet."),
        ("Add it to your list for {activity2}: it is the kind of piece you stop noticing because it simply works.", "Ajoutez-le à votre liste pour {activity2} : c'est le genre d'article qu'on oublie parce qu'il fonctionne, tout simplement."),
        ("Our store staff reach for it during {activity2}, and they are a demanding crowd with strong opinions about gear.", "Notre personnel en magasin l'utilise pendant {activity2}, et c'est un groupe exigeant aux opinions bien arrêtées."),
        ("Beyond {activity2}, it is just as useful for errands, school runs and long weekends in {place2}.", "Au-delà de {activity2}, il est tout aussi utile pour les courses, l'école et les longues fins de semaine dans {place2}."),
    ),
    (
        ("Sizing runs true, so order your usual {size_word} and expect room for a light layer underneath.", "La taille est standard : commandez votre taille habituelle ({size_word}), avec de la place pour une couche légère."),
        ("Most customers keep their regular {size_word}; if you are between two, the larger one suits cold days.", "La plupart des clients gardent leur taille habituelle ({size_word}); entre deux tailles, la plus grande convient aux jours froids."),
        ("Fit notes from our testers: true to {size_word}, with freedom to move at the shoulders and knees.", "Selon nos testeurs, la taille ({size_word}) est fidèle, avec une belle liberté de mouvement."),
        ("It adjusts quickly, so one {size_word} fits a surprising range of people and uses.", "Il s'ajuste rapidement : une seule taille ({size_word}) convient à une grande variété de personnes et d'usages."),
    ),
    (
        ("New to {activity}? It is forgiving and easy to learn, yet experienced hands appreciate it too.", "Vous débutez en {activity} ? Il est simple à apprivoiser, et les plus expérimentés l'apprécient aussi."),
        ("Seasoned guides from {place} keep one in the truck for clients who forget theirs.", "Des guides chevronnés de {place} en gardent un dans le camion pour les clients distraits."),
        ("Parents like that teenagers can borrow it without a lesson, and give it back in one piece.", "Les parents apprécient que les adolescents puissent l'emprunter sans leçon, et le rapporter intact."),
        ("It suits weekend explorers and year-round commuters alike, which is rarer than it sounds.", "Il convient autant aux explorateurs du week-end qu'aux navetteurs à l'année, ce qui est plus rare qu'on le croit."),
        ("Expedition teams have carried it from {place} to the Arctic coast without complaint.", "Des équipes d'expédition l'ont transporté de {place} jusqu'à la côte arctique sans se plaindre."),
    ),
    (
        ("Pair it with something from our {other} collection for a complete setup.", "Associez-le à un article de notre collection {other} pour un équipement complet."),
        ("Shoppers who buy it often add a piece from {other}.", "Les clients qui l'achètent ajoutent souvent un article de la catégorie {other}."),
        ("Round out your kit with our {other} selection.", "Complétez votre équipement avec notre sélection {other}."),
        ("It works especially well with gear from {other}.", "Il se marie particulièrement bien avec les articles de {other}."),
    ),
)  # fmt: skip
