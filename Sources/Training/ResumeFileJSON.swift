import Foundation

/// The JSON coders for text stored in resume-file metadata (histories, schedules, options): non-finite
/// numbers are written as the strings `inf`, `-inf` and `nan`, so a diverged run's figures survive.
public enum ResumeFileJSON {
    /// An encoder writing non-finite floats as `"inf"`, `"-inf"`, `"nan"`.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// A decoder reading what `encoder` writes.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
