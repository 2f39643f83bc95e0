/// A phone of US English in ARPAbet, the symbols of the CMU dictionary and pocketsphinx's en-us
/// model (39 phones, stress marks dropped), plus `sil` for silence and non-speech.
///
/// The raw value is the ARPAbet symbol ("AA", "P", "SIL"), which is also how a phone is encoded.
public enum Phone: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    // Vowels
    /// "odd": open back unrounded.
    case aa = "AA"
    /// "at": near-open front.
    case ae = "AE"
    /// "hut", and the reduced vowel (schwa) of "about".
    case ah = "AH"
    /// "ought": open-mid back rounded.
    case ao = "AO"
    /// "cow": diphthong.
    case aw = "AW"
    /// "hide": diphthong.
    case ay = "AY"
    /// "Ed": open-mid front.
    case eh = "EH"
    /// "hurt": r-coloured, lips slightly rounded.
    case er = "ER"
    /// "ate": diphthong.
    case ey = "EY"
    /// "it": near-close front.
    case ih = "IH"
    /// "eat": close front, lips spread.
    case iy = "IY"
    /// "oat": diphthong, rounded.
    case ow = "OW"
    /// "toy": diphthong, starts rounded.
    case oy = "OY"
    /// "hood": near-close back rounded.
    case uh = "UH"
    /// "two": close back rounded.
    case uw = "UW"
    // Consonants
    /// "be": voiced bilabial stop (lips closed).
    case b = "B"
    /// "cheese": voiceless postalveolar affricate.
    case ch = "CH"
    /// "dee": voiced alveolar stop.
    case d = "D"
    /// "thee": voiced dental fricative.
    case dh = "DH"
    /// "fee": voiceless labiodental fricative.
    case f = "F"
    /// "green": voiced velar stop.
    case g = "G"
    /// "he": voiceless glottal fricative.
    case hh = "HH"
    /// "gee": voiced postalveolar affricate.
    case jh = "JH"
    /// "key": voiceless velar stop.
    case k = "K"
    /// "lee": alveolar lateral approximant.
    case l = "L"
    /// "me": bilabial nasal (lips closed).
    case m = "M"
    /// "knee": alveolar nasal.
    case n = "N"
    /// "ping": velar nasal.
    case ng = "NG"
    /// "pee": voiceless bilabial stop (lips closed).
    case p = "P"
    /// "read": postalveolar approximant.
    case r = "R"
    /// "sea": voiceless alveolar fricative.
    case s = "S"
    /// "she": voiceless postalveolar fricative.
    case sh = "SH"
    /// "tea": voiceless alveolar stop.
    case t = "T"
    /// "theta": voiceless dental fricative.
    case th = "TH"
    /// "vee": voiced labiodental fricative.
    case v = "V"
    /// "we": labial-velar approximant (lips rounded).
    case w = "W"
    /// "yield": palatal approximant.
    case y = "Y"
    /// "zee": voiced alveolar fricative.
    case z = "Z"
    /// "seizure": voiced postalveolar fricative.
    case zh = "ZH"
    // Not speech
    /// Silence, pauses, breath and noise.
    case sil = "SIL"

    /// The 39 speech phones (every case but `sil`).
    public static let speech: [Phone] = allCases.filter { $0 != .sil }

    /// True for the 15 vowels.
    public var isVowel: Bool {
        switch self {
        case .aa, .ae, .ah, .ao, .aw, .ay, .eh, .er, .ey, .ih, .iy, .ow, .oy, .uh, .uw: true
        default: false
        }
    }

    /// The ARPAbet symbol.
    public var description: String { rawValue }

    /// The phone a pocketsphinx or CMU dictionary symbol stands for: stress digits are dropped
    /// ("AH0" is `ah`); the model's silence and fillers ("SIL", "+NSN+", "+SPN+", "<sil>", …) are
    /// `sil`. Nil for a symbol that is neither.
    init?(pocketSphinxSymbol symbol: String) {
        let bare = symbol.uppercased().filter { !$0.isNumber }
        if let phone = Phone(rawValue: bare) {
            self = phone
        } else if bare.hasPrefix("+") || bare.hasPrefix("<") || bare.hasPrefix("[") {
            self = .sil
        } else {
            return nil
        }
    }
}
