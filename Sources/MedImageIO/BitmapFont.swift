/// A 5 x 7 pixel bitmap font for labels in pictures: digits, upper-case letters (lower case is drawn
/// as upper case) and `. , % - + : / ( ) # =` and space. Unknown characters are drawn as a hollow box.
public enum BitmapFont {
    /// Width and height of one glyph in font pixels; glyphs are `advance` apart.
    public static let glyphWidth = 5, glyphHeight = 7, advance = 6

    /// Width in image pixels of `text` drawn at `scale`.
    public static func width(of text: String, scale: Int) -> Int {
        max(0, text.count * advance * scale - scale)
    }

    /// The rows of a glyph, top to bottom; bit 4 is the leftmost column.
    static func rows(of character: Character) -> [UInt8] {
        let upper = Character(character.uppercased())
        return glyphs[upper] ?? [0x1F, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1F]
    }

    private static func glyph(_ pattern: String) -> [UInt8] {
        pattern.split(separator: " ").map { row in row.reduce(0) { $0 << 1 | ($1 == "#" ? 1 : 0) } }
    }

    private static let glyphs: [Character: [UInt8]] = [
        " ": glyph("..... ..... ..... ..... ..... ..... ....."),
        "0": glyph(".###. #...# #..## #.#.# ##..# #...# .###."),
        "1": glyph("..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###."),
        "2": glyph(".###. #...# ....# ...#. ..#.. .#... #####"),
        "3": glyph("####. ....# ....# .###. ....# ....# ####."),
        "4": glyph("...#. ..##. .#.#. #..#. ##### ...#. ...#."),
        "5": glyph("##### #.... ####. ....# ....# #...# .###."),
        "6": glyph("..##. .#... #.... ####. #...# #...# .###."),
        "7": glyph("##### ....# ...#. ..#.. .#... .#... .#..."),
        "8": glyph(".###. #...# #...# .###. #...# #...# .###."),
        "9": glyph(".###. #...# #...# .#### ....# ...#. .##.."),
        ".": glyph("..... ..... ..... ..... ..... .##.. .##.."),
        ",": glyph("..... ..... ..... ..... .##.. ..#.. .#..."),
        "%": glyph("##..# ##..# ...#. ..#.. .#... #..## #..##"),
        "-": glyph("..... ..... ..... .###. ..... ..... ....."),
        "+": glyph("..... ..#.. ..#.. ##### ..#.. ..#.. ....."),
        ":": glyph("..... .##.. .##.. ..... .##.. .##.. ....."),
        "/": glyph("....# ....# ...#. ..#.. .#... #.... #...."),
        "(": glyph("...#. ..#.. .#... .#... .#... ..#.. ...#."),
        ")": glyph(".#... ..#.. ...#. ...#. ...#. ..#.. .#..."),
        "#": glyph(".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#."),
        "=": glyph("..... ..... ##### ..... ##### ..... ....."),
        "A": glyph(".###. #...# #...# ##### #...# #...# #...#"),
        "B": glyph("####. #...# #...# ####. #...# #...# ####."),
        "C": glyph(".###. #...# #.... #.... #.... #...# .###."),
        "D": glyph("###.. #..#. #...# #...# #...# #..#. ###.."),
        "E": glyph("##### #.... #.... ####. #.... #.... #####"),
        "F": glyph("##### #.... #.... ####. #.... #.... #...."),
        "G": glyph(".###. #...# #.... #.### #...# #...# .####"),
        "H": glyph("#...# #...# #...# ##### #...# #...# #...#"),
        "I": glyph(".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###."),
        "J": glyph("..### ...#. ...#. ...#. ...#. #..#. .##.."),
        "K": glyph("#...# #..#. #.#.. ##... #.#.. #..#. #...#"),
        "L": glyph("#.... #.... #.... #.... #.... #.... #####"),
        "M": glyph("#...# ##.## #.#.# #.#.# #...# #...# #...#"),
        "N": glyph("#...# #...# ##..# #.#.# #..## #...# #...#"),
        "O": glyph(".###. #...# #...# #...# #...# #...# .###."),
        "P": glyph("####. #...# #...# ####. #.... #.... #...."),
        "Q": glyph(".###. #...# #...# #...# #.#.# #..#. .##.#"),
        "R": glyph("####. #...# #...# ####. #.#.. #..#. #...#"),
        "S": glyph(".#### #.... #.... .###. ....# ....# ####."),
        "T": glyph("##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#.."),
        "U": glyph("#...# #...# #...# #...# #...# #...# .###."),
        "V": glyph("#...# #...# #...# #...# #...# .#.#. ..#.."),
        "W": glyph("#...# #...# #...# #.#.# #.#.# #.#.# .#.#."),
        "X": glyph("#...# #...# .#.#. ..#.. .#.#. #...# #...#"),
        "Y": glyph("#...# #...# .#.#. ..#.. ..#.. ..#.. ..#.."),
        "Z": glyph("##### ....# ...#. ..#.. .#... #.... #####"),
    ]
}

extension Canvas {
    /// Draws `text` with its top-left corner at `(x, y)`, each font pixel `scale` x `scale` image
    /// pixels, in `color`; with `background`, a box one font pixel wider on each side is filled first.
    mutating func text(_ text: String, x: Int, y: Int, scale: Int, color: RGBColor, background: RGBColor? = nil) {
        if let background {
            let w = BitmapFont.width(of: text, scale: scale) + 2 * scale
            let h = (BitmapFont.glyphHeight + 2) * scale
            for yy in 0..<h { for xx in 0..<w { set(x - scale + xx, y - scale + yy, background) } }
        }
        for (n, character) in text.enumerated() {
            let rows = BitmapFont.rows(of: character)
            let ox = x + n * BitmapFont.advance * scale
            for (r, bits) in rows.enumerated() {
                for c in 0..<BitmapFont.glyphWidth where bits & (1 << UInt8(BitmapFont.glyphWidth - 1 - c)) != 0 {
                    for dy in 0..<scale { for dx in 0..<scale { set(ox + c * scale + dx, y + r * scale + dy, color) } }
                }
            }
        }
    }
}
