"""Word lists the regex parser reads: genre synonyms, number words, intent and rating cues.

Kept apart from the rules so the vocabulary can grow without touching the logic.  Genre synonyms
follow the labeling rules (scary = Horror, kids = Children's, space = Sci-Fi, ...) plus obvious
plurals and adjectives.  Patterns are regex fragments matched on lowercased text.
"""

from __future__ import annotations

from tools.titles import NUMBER_WORDS

#: Number words as regex alternatives, built from the one table (``NUMBER_WORDS``, which the
#: title normalizer shares): units 1-9, and the small numbers 1-10 that scores and positions use.
UNIT_WORDS = "|".join(w for w, n in NUMBER_WORDS.items() if 1 <= n <= 9)
SMALL_NUMBER_WORDS = "|".join(w for w, n in NUMBER_WORDS.items() if 1 <= n <= 10)
#: Any count: digits, a number word, or "twenty-five" / "twenty five".
NUMBER_PATTERN = rf"(?:twenty|thirty|forty)[- ](?:{UNIT_WORDS})|\d{{1,3}}|{'|'.join(NUMBER_WORDS)}"

__all__ = [
    "ABOUT_BOT",
    "COMMON_WORDS",
    "COUNT_PHRASES",
    "GENRE_PATTERNS",
    "GREETINGS",
    "LIKE_NOT_A_CUE",
    "MOVIE_NOUNS",
    "NEGATORS",
    "NON_K_AFTER",
    "NON_K_BEFORE",
    "NOT_A_TITLE_START",
    "NUMBER_PATTERN",
    "NUMBER_WORDS",
    "OFF_TOPIC",
    "OPINION_AFTER_TITLE",
    "OPINION_WORDS",
    "POPULAR_CUES",
    "REQUEST_CUES",
    "SIMILAR_CUES",
    "SMALL_NUMBER_WORDS",
    "TITLE_CUES_AFTER",
    "TITLE_CUES_BEFORE",
    "UNIT_WORDS",
]

#: Catalog genre name -> regex alternatives (word-bounded by the parser).
GENRE_PATTERNS: dict[str, str] = {
    "Action": r"action",
    "Adventure": r"adventures?|adventurous",
    "Animation": r"animation|animated|cartoons?|anime",
    "Children's": r"kids?'?|kiddie|children'?s?|child-friendly|family(?!\s+of\s+(?:\d|two|three|four|five|six))|families",
    # "something fun" is a comedy; "a fun family movie" is the family film it describes.
    "Comedy": r"comed(?:y|ies)|comedic|funn(?:y|ier|iest)|laughs?|"
    r"fun(?=\s*(?:$|[,.!?;)]|please|pls|one|ones|movies?|films?|flicks?|stuff|tonight))",
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
    r"can'?t stand|cannot stand|don'?t like|doesn'?t like|not a fan of|not keen on|"
    r"don'?t (?:really|much|particularly) (?:like|enjoy|want|care for)|not (?:really|much) into"
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
        r"favou?rites?|outstanding|phenomenal|superb|excellent|adored|adore|stunning|"
        r"mind-?blowing|10/10|flawless|unforgettable|epic|wonderful|blew me away",
        5,
    ),
    (
        r"liked|(?:i|really|quite) like|good|enjoyed|enjoy|great|nice|solid|fun|pretty good|entertaining|"
        r"worth (?:it|watching)|well made|recommend it|charming|cool|hilarious|beautiful|touching|"
        r"moving|gripping",
        4,
    ),
)

# ---------------------------------------------------------------- follow-ups and constraints

#: Ordinal words and forms -> list position ("the second one" = 2); "last" is -1.
ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6, "7th": 7, "8th": 8, "9th": 9,
    "10th": 10, "last": -1, "final": -1, "bottom": -1, "top": 1,
}  # fmt: skip

#: Decade words -> the decade's first year within a century ("nineties" -> 90).
DECADE_WORDS: dict[str, int] = {
    "twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60,
    "seventies": 70, "eighties": 80, "nineties": 90, "noughties": 0,
}  # fmt: skip

#: Words that point at one film already on screen or just named ("that one", "it").
POINTERS = (
    r"that one|this one|that movie|this movie|that film|this film|that|this|it|the one|"
    r"the movie|the film"
)

#: Asking to continue the last list ("more", "any others?", "show me others").
MORE_CUES = (
    r"more|others?|other ones|other (?:suggestions?|options|ideas|recommendations?|recs|picks|"
    r"movies|films|titles)|different ones|something else|anything else|what else|next|"
    r"keep (?:them )?coming|keep going|go on|continue|another (?:one|list|batch|few|round)|"
    r"another|next (?:ones?|page|batch|five|few)|else"
)

#: Already watched it ("seen it", "I've seen the first one", "watched that").
SEEN_CUES = (
    r"(?<!haven't )(?<!have not )(?<!never )(?<!not )(?<!hasn't )(?<!most )(?<!most-)(?<!least )"
    r"(?<!widely )(?<!highly )(?<!much )(?<!often )(?<!frequently )"
    r"(?:seen|watched|saw)(?! (?:any|anything|enough))|been there"
)
#: The person has NOT seen it: never the seen intent.
NOT_SEEN = r"haven'?t (?:seen|watched)|have not (?:seen|watched)|never (?:seen|watched|saw)|not seen|didn'?t see|did not see"

#: Will watch it / put it on the watchlist.
ACCEPT_CUES = (
    r"(?:i'?ll|i will|i'?m gonna|i am going to|i'?m going to|gonna|i think i'?ll|i might|let me|"
    r"i (?:have|need|should|must|gotta|got) to|i should|i must|i'?ll have to|i'?ll need to|"
    r"i'?ll definitely|i'?ll probably|i'?ll totally) "
    r"(?:watch|see|check)(?! (?:a|an|some|something|anything|movies?|films?|more|other)(?![\w']))|"
    r"(?:i'?ll|i will|i'?m gonna|i am going to|i'?m going to|gonna|will|might|may|let me) (?:check (?:it|that|this|them|those|these|(?:that|this) one) out|"
    r"check out|watch (?:it|that|this|them|(?:that|this) one|the)|give (?:it|that|this|them|(?:that|"
    r"this) one) a (?:try|shot|go|look|watch)|try (?:it|that|this|(?:that|this) one|the)|"
    r"look (?:it|that) up|add|take|see (?:it|that|this)|put)|"
    r"check (?:it|that|this|them) out|(?:to|on|in|onto) (?:my |the )?(?:watch ?list|list)|watch later|"
    r"sounds? (?:good|great|interesting|nice|cool|fun|perfect|awesome|intriguing|promising|"
    r"fantastic|excellent|amazing|like a plan|like fun|right up my alley)|"
    r"(?:looks?|seems?) (?:good|great|interesting|nice|cool|fun|promising|intriguing|amazing|"
    r"awesome|fantastic|excellent|like (?:a good|fun|my kind))|i'?m sold|sold me|will do|definitely (?:watch|check)|"
    r"(?:been|was) meaning to (?:watch|see|check)|i want to (?:watch|see) (?:it|that|this|them)|"
    r"i'?ll go (?:with|for)|i'?ll take|let'?s go with|going with|i'?ll add|add (?:it|that|this|the)|"
    r"(?:looks?|sounds?|seems?) like (?:something|a (?:movie|film)|one|the kind of (?:thing|movie|film)) "
    r"(?:i'?d|i would|i'?ll|i will|we'?d|we would|i might|i could) (?:enjoy|like|love|dig)"
)

#: Not interested in a film ("not for me", "no thanks", "I'll pass").
REJECT_CUES = (
    r"not (?:really |that |very |too )?interested|no interest|not (?:really |quite )?for me|"
    r"(?:don'?t|do not) think i'?d (?:like|enjoy|love|dig)|i doubt i'?d|i wouldn'?t (?:like|enjoy)|"
    r"not (?:really |quite )?my (?:thing|type|cup of tea|style|kind of)|"
    r"not a fan of (?:that|this|it|the|those|them|number)|no thanks|no thank you|nah|nope|"
    r"i'?ll pass|pass on|i'?ll skip|skip (?:that|this|it|the)|doesn'?t (?:appeal|interest|sound)|"
    r"does not (?:appeal|interest)|don'?t (?:fancy|like the sound|think so)|"
    r"not (?:really )?(?:into|feeling) (?:that|this|it|the)|rather not|not that one|"
    r"(?:looks|sounds|seems) (?:boring|bad|awful|dull|terrible|lame)|not keen|"
    r"don'?t (?:want|need) (?:that|this|it|the)|not convinced"
)

#: Asking about a film: its plot, cast, genre, rating.
DETAILS_CUES = (
    r"tell me (?:more |a bit |a little |something )?about|more (?:info|information|details) "
    r"(?:on|about)|what'?s (?:it|that|this|that one|this one|the \w+ one|it all) about|"
    r"what is (?:it|that|this|that one|this one|the \w+ one) about|about\s*\?|"
    r"what (?:is|was|are) .{1,60} about|plot|synopsis|storyline|summary|premise|"
    r"who(?:'s| is| are| was) (?:in|starring|the star)|who stars|who directed|director|"
    r"who plays|who'?s the director|cast|actors?|starring in|how long is|runtime|"
    r"(?:is|was|are|does|did) (?:it|that|this|that one|this one|the \w+ one|the (?:first|second|"
    r"third|fourth|fifth|last|top)|number \w+|#\d+) (?:a|an|any|"
    r"really|very|too|kind of|good|scary|funny|violent|long|for|based|rated|worth|suitable|"
    r"ok|okay|appropriate|sad|dark|gory|in|about|have|feature|english|new|old|recent)|"
    r"what (?:kind|type|genre|sort) of (?:movie|film) is|details|more about|info on|"
    r"what'?s the story|what happens|how is (?:it|that)|when did (?:it|that) come out|"
    r"what year|how (?:old|good) is|what'?s its rating|rating of (?:it|that)"
)

#: A follow-up that changes the last request rather than asking afresh.
REFINE_LEADS = (
    r"only|just|but|though|instead|rather|make (?:it|them|that)|preferably|ideally|maybe|"
    r"how about|what about|and|also|ones?|any of (?:those|them|these)|too|less|"
    r"can (?:it|they) be|can you make|could (?:it|they) be|something|anything|do you have|"
    r"got anything|have you got|not really a|i'?m not|i am not|no|not|nothing|without|except|"
    r"none|skip|prefer|i'?d prefer|i'?d rather|actually|any"
)

#: Release-era words: "recent" = the catalog's last years, "older" / "newer" move the list.
RECENT_WORDS = (
    r"recent|recently|latest|newest|brand[- ]new|new releases?|new (?=movies?|films?|ones?|"
    r"stuff|comedies|dramas|thrillers|releases)|this decade|last (?:few|couple of|couple) years|"
    r"past (?:few|couple of) years|modern|contemporary|current|nowadays"
)
OLDER_WORDS = (
    r"older|earlier|less recent|more classic|less new|old(?:er)? school|vintage|oldies|"
    r"too (?:new|recent|modern)"
)
NEWER_WORDS = (
    r"more recent|newer|more modern|later ones|less old|fresher|more current|"
    r"too (?:old|dated|old-fashioned)"
)

#: Themes people ask for by name ("heist films", "zombie movies"); matched before a film noun.
THEME_WORDS = (
    r"heist|superhero|super[- ]hero|zombie|vampire|werewolf|time[- ]travel|dystopian|dystopia|"
    r"post[- ]apocalyptic|apocalyptic|disaster|spy|espionage|martial arts|kung fu|dinosaur|"
    r"robot|monster|christmas|holiday|sports?|boxing|football|baseball|basketball|soccer|"
    r"road trip|coming[- ]of[- ]age|serial killer|slasher|pirate|samurai|ninja|alien invasion|"
    r"shark|cyberpunk|space opera|buddy cop|courtroom|legal|political|biopic|biographical|"
    r"true story|revenge|survival|prison|heist|gangster|mafia|haunted house|ghost|witch|"
    r"magic|dragon|mockumentary|parody|spoof|satire|noir|psychological|twist|mind[- ]bending|"
    r"feel[- ]good|tearjerker|tear[- ]jerker|cult|indie|independent|foreign|french|japanese|"
    r"korean|british|bollywood|black and white|silent|stop[- ]motion|pixar|disney|marvel|dc|"
    r"james bond|bond|teen|high school|college|wedding|friendship|animal|dog|cat|horse|"
    r"vampires|zombies|aliens|robots|dinosaurs|pirates|sharks|monsters|ghosts|witches"
)

#: Words that introduce a keyword phrase ("about time travel", "starring tom hanks").
KEYWORD_LEADS = (
    r"about|involving|featuring|starring|with (?:a|an)|directed by|by director|set in|"
    r"based on|that has|that have|which has|with lots of|full of|dealing with"
)


# ---------------------------------------------------------------- titles inside chat text


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Everyday words: a title made only of these ("Heat", "Home Alone", "Love Affair", "Friday")
#: is only taken from free text with quotes, title-case capitals, or a title cue beside it.
COMMON_WORDS = _word_set(
    """a about above after again against all alone also always am an and another any anything
    are around as at away back bad be because been before being best better between big black
    blue boy boys break bring but by call can car careful caught child children city close cold
    come could crash dark date day days dead did do does dog done down dream each early end even
    ever every eye eyes face fall family far fast father fear feel few fight film find fine fire
    first fly for free fresh friday friend friends from full fun game get getting ghost girl girls
    give go god going gone good great green had happy hard has have he heat heart heavy hello help
    her here high him his home hot house how i if in into is it its jack just keep kid kids kind
    know last late let life light like little live long look lost lot love loved lucky made make
    man many me men michael mind mirror mom money more mother most movie movies mr much my name
    naked need never new next nice night no not nothing now of off old on once one only open or
    other our out over own party people perfect picture place play please pretty real red right
    road room run safe same say see seen shadow she shine shopping short show sleep small smoke
    so some something soon speed star start stay still stop story summer sun sweet take talk tell
    than thank thanks that the their them then there these they thing things think this those
    time to today together tonight too top touch true trust truth try two under until up us very
    wait walk want war was watch water way we week well were what when where which while white
    who why wild will wish with without woman women wonder work world would year years yes yet
    you young your
    afterglow amateur assassins august basic bliss boomerang breakdown bulletproof careful
    casino caught century charade cobb contact crossfire daylight deceiver disclosure eraser
    faces faithful fallen fear fearless firestorm fled freeway friday giant glory gridlock hackers
    hush incognito infinity junior loaded malice mirage multiplicity naked nowhere outbreak
    phenomenon powder priest psycho ransom reckless restoration roommates screamers senseless
    shadowlands sirens sleeper sleepers sliver solo species speechless sphere spellbound steel
    striptease swingers target threesome thinner touch traveller trust turbulence twilight
    twisted twister underground underworld unforgettable unknown vertigo volcano witness wolf
    wonderland metro morning evening afternoon tomorrow yesterday weekend fan fans
    cool else lol haha omg wow yeah yep nope nah hmm ok okay sure awesome"""
)

#: Words next to an unquoted title that show the user is talking about a movie.
TITLE_CUES_BEFORE = _word_set(
    """like similar than rate loved love liked enjoyed hated disliked watched saw review
    rewatched adore adored"""
)

TITLE_CUES_AFTER = _word_set(
    "was is were wasnt isnt werent vibes gets got deserves sucked rocks rocked ruled"
)

OPINION_AFTER_TITLE = _word_set(
    """meh ok okay fine great good boring awful terrible amazing masterpiece overrated
    underrated excellent brilliant fantastic dull"""
)

#: "sounds like X" compares; it does not name a film.
LIKE_NOT_A_CUE = frozenset({"sounds", "sound", "looks", "look", "seems", "feels", "feel"})

#: A partial title typed in free text does not start with these ("my daughter" is no title).
NOT_A_TITLE_START = frozenset({"of", "and", "in", "to", "my", "your", "our", "his", "her", "their"})
