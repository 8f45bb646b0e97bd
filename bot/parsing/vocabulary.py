"""Word lists the regex parser reads: genre synonyms, number words, intent and rating cues.

Kept apart from the rules so the vocabulary can grow without touching the logic.  Genre synonyms
follow the labeling rules (scary = Horror, kids = Children's, space = Sci-Fi, ...) plus obvious
plurals and adjectives.  Patterns are regex fragments matched on lowercased text.
"""

from __future__ import annotations

from tools.titles import NUMBER_WORDS

__all__ = [
    "ABOUT_BOT",
    "COUNT_PHRASES",
    "GENRE_PATTERNS",
    "GREETINGS",
    "MOVIE_NOUNS",
    "NEGATORS",
    "NON_K_AFTER",
    "NON_K_BEFORE",
    "NUMBER_WORDS",
    "OFF_TOPIC",
    "OPINION_WORDS",
    "POPULAR_CUES",
    "REQUEST_CUES",
    "SIMILAR_CUES",
]

#: Catalog genre name -> regex alternatives (word-bounded by the parser).
GENRE_PATTERNS: dict[str, str] = {
    "Action": r"action",
    "Adventure": r"adventures?|adventurous",
    "Animation": r"animation|animated|cartoons?|anime",
    "Children's": r"kids?'?|kiddie|children'?s?|child-friendly|family(?!\s+of\s+(?:\d|two|three|four|five|six))|families",
    "Comedy": r"comed(?:y|ies)|comedic|funn(?:y|ier|iest)|laughs?",
    "Crime": r"crime|gangsters?|mafia|mob movies?|heists?",
    "Documentary": r"documentar(?:y|ies)|docs|docu(?:mentary)?s?",
    "Drama": r"dramas?|dramatic",
    "Fantasy": r"fantasy|fantasies",
    "Film-Noir": r"film[- ]?noirs?|noirs?",
    "Horror": r"horrors?|scar(?:y|ier|iest)|terrifying|frightening|creepy|spooky",
    "Musical": r"musicals?",
    "Mystery": r"myster(?:y|ies)|whodunn?its?",
    "Romance": r"romances?|romantic|love stor(?:y|ies)|rom-?coms?",
    "Sci-Fi": r"sci[- ]?fi|science[- ]fiction|space",
    "Thriller": r"thrillers?|suspense|suspenseful",
    "War": r"war(?! of)|wartime",
    "Western": r"westerns?|cowboys?",
}

#: Words that negate a genre named just after them ("nothing scary", "anything but westerns").
NEGATORS = (
    r"no|not|nothing|none|without|except|excluding|avoid|skip|hate|dislike|"
    r"anything but|other than|but not|don'?t want|do not want|no more|never|rather than|"
    r"instead of|isn'?t|aren'?t|never any|not into|sick of|tired of|hates|hated|dislikes|"
    r"can'?t stand|cannot stand|don'?t like|doesn'?t like|not a fan of|not keen on"
)

#: Multi-word counts, checked before single number words (longest first).
COUNT_PHRASES: tuple[tuple[str, int], ...] = (
    (r"half a dozen|half-dozen|half dozen", 6),
    (r"a dozen|one dozen|dozen", 12),
    (r"a couple(?: of)?|couple of", 2),
    (r"a pair of|a pair", 2),
    (r"a single", 1),
)

#: A number followed by these is not a count of recommendations.
NON_K_AFTER = (
    r"people|persons?|adults|guys|friends|of us|year|years|yr|yrs|yo|y/o|hours?|hrs?|"
    r"minutes?|mins?|pm|am|p\.m\.|a\.m\.|o'?clock|questions?|days?|weeks?|months?|times?|"
    r"dollars?|bucks|euros?|stars?|points?|percent|%|out of|seasons?|episodes?|of them left|"
    r"kids? (?:and|who|are)|children (?:and|who|are)|sequels?|parts?|"
    r"(?:me|u|you|us|him|her|them)(?![\w'])"  # "a drama 4 me": text-speak "for"
)

#: A number preceded by these is not a count (head counts, ages, times, ratings).
NON_K_BEFORE = (
    r"we're|we are|were|there are|there's|we have|i have|we've got|i've got|with|aged|age|ages|i'm|im|i am|turning|at|by|"
    r"party of|family of|group of|rated|rate|rating|gave it|give it|score|scored|part|"
    r"chapter|episode|season|volume|vol|number|no\.|#|room|gets an?|got an?|around|"
    r"before|after|until|till|since|from|my|our"  # "my 2 daughters": a head count
)

#: Nouns that make a message about films (not a book or an app).
MOVIE_NOUNS = (
    r"movies?|films?|flicks?|recs|recommendations?|watch|watching|pictures?|"
    r"blockbusters?|classics?|titles?|something to see"
)

#: Off-topic requests ("recommend a good book") -> help, unless films are also mentioned.
OFF_TOPIC = (
    r"\w*books?|novels?|restaurants?|food|recipes?|songs?|music|albums?|podcasts?|games?|"
    r"weather|support|app|account|password|login|subscription|refund|bug|website|"
    r"hotel|flights?|tv shows?|series|dinner|pizza|bars?|shoes|shopping|homework|news|"
    r"stocks?|jokes?|poems?|wines?|beers?|cocktails?|drinks?|coffee|holidays?|vacations?|"
    r"phones?|laptops?|gifts?|clothes|outfits?|workouts?|cafes?|pubs?|hairdressers?"
)

#: A question about the bot itself ("how do you pick the movies you suggest?") -> help.
ABOUT_BOT = (
    r"^\W*(?:how|why) (?:do|does|did|are|is|can|were|was) (?:you|u|this bot|the bot|this app|"
    r"the app|this thing|this|it|your \w+)(?![\w'])"
)

GREETINGS = (
    r"hi|hello|hey|hiya|yo|howdy|good (?:morning|evening|afternoon|night)|goodnight|"
    r"night night|bye|goodbye|see you|cheers|thanks?|thank you|thx|ty|ok|okay|cool|"
    r"what are you|who are you|what can you do|how does this work|help|are you a bot"
)

#: Asking for something similar to a named movie.
SIMILAR_CUES = (
    r"similar|similarly|resembl\w*|vibes?|in the vein of|along the lines of|akin to|"
    r"same kind of|the likes of|what else|anything else|something else|others? like|"
    r"more like|more of (?:those|these|that|them|it|this)|more in that|reminds? me|"
    r"if i (?:liked|loved|enjoyed)|because i (?:liked|loved|enjoyed)|same feel|"
    r"comparable|alternatives? to|recommend more|more movies|more films|more please|"
    r"more recs|want more|give me more|more suggestions"
)

#: Asking for recommendations at all (personal).
REQUEST_CUES = (
    r"recommend\w*|recs?|suggest\w*|what should (?:i|we)|what (?:can|could|do) (?:i|we) "
    r"watch|give me|show me|find me|get me|pick|any ideas|ideas|in the mood|looking for|"
    r"want to (?:watch|see)|wanna (?:watch|see)|i want|we want|need|something|anything|"
    r"options|list|what to watch|to watch|movie night|got any|have any|could use|"
    r"would like|i'?d like|up for|fancy|craving|surprise me|entertain me|"
    r"what'?s (?:good|on)(?=\s+(?:tonight|today|now|this \w+|to (?:watch|see)|on)\b)|"
    r"anything good|what'?s worth"
)

#: Asking for what is generally popular or acclaimed (not personal).
POPULAR_CUES = (
    r"popular|top|best|greatest|highest|highly rated|top[- ]rated|best[- ]rated|trending|"
    r"what'?s hot|hot right now|classics?|crowd[- ]?(?:favou?rites?|pleasers?)|"
    r"(?:everyone|everybody|people|most people)(?:'s| is| are)? (?:watching|streaming)|"
    r"most (?:loved|watched|liked|viewed|acclaimed)|must[- ](?:see|watch)|all[- ]time|acclaimed|iconic|famous|"
    r"blockbusters?|well[- ]known|most rated|fan favou?rites?|cult|number one|no\.? ?1|"
    r"(?:highly|well|critically)[- ](?:regarded|acclaimed|praised|reviewed)|"
    r"(?:award|oscar)[- ]winning|best[- ]reviewed|(?:everyone|everybody) (?:has|have) seen|"
    r"(?:most people|everyone|everybody) (?:loves?|likes?|enjoys?|adores?|raves? about)"
)

#: Opinion words -> stars, checked in this order (negated phrases first).
OPINION_WORDS: tuple[tuple[str, int], ...] = (
    (
        r"didn'?t (?:like|enjoy|love)|did not (?:like|enjoy|love)|not (?:a fan|good|great|"
        r"my thing|for me)|wasn'?t (?:good|great|for me)|was not (?:good|great)|disliked|"
        r"boring|dull|disappointing|disappointed|bad|weak|overrated|tedious|mediocre|"
        r"not impressed|underwhelming|forgettable|so-so|poor",
        2,
    ),
    (r"not bad|ok|okay|fine|meh|alright|all right|average|decent|passable|fair", 3),
    (
        r"hated|hate|awful|terrible|horrible|worst|garbage|trash|sucked|sucks|dreadful|"
        r"abysmal|rubbish|atrocious|unwatchable|painful|despised|loathed",
        1,
    ),
    (
        r"loved|(?:i|really|just|totally) love|love (?:it|this|that)|amazing|masterpiece|awesome|incredible|brilliant|fantastic|perfect|"
        r"favou?rite|outstanding|phenomenal|superb|excellent|adored|adore|stunning|"
        r"mind-?blowing|10/10|flawless|unforgettable|epic|wonderful|blew me away",
        5,
    ),
    (
        r"liked|(?:i|really|quite) like|good|enjoyed|enjoy|great|nice|solid|fun|pretty good|entertaining|"
        r"worth (?:it|watching)|well made|recommend it|charming|cool",
        4,
    ),
)
