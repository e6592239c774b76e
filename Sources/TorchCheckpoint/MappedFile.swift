#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Errors raised while opening or mapping a file.
public enum MappedFileError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case notARegularFile(path: String)
    case cannotMap(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "\(path): cannot open file: \(reason)"
        case .notARegularFile(let path): return "\(path): not a regular file"
        case .cannotMap(let path, let reason): return "\(path): cannot memory-map file: \(reason)"
        }
    }
}

/// Read-only bytes of a whole file (memory-mapped) or of an owned in-memory copy.
///
/// The buffer stays valid for the lifetime of the object; the mapping is removed (or the copy freed)
/// in `deinit`. The bytes are never written, so sharing across threads is safe.
/// `@unchecked Sendable`: the bytes are never written after `init` (see above), only read.
public final class MappedFile: @unchecked Sendable {
    /// The path the bytes came from, or a descriptive name for in-memory data.
    public let path: String
    /// The file contents.
    public let bytes: UnsafeRawBufferPointer
    private let release: Release

    private enum Release {
        case none
        case unmap(UnsafeMutableRawPointer, Int)
        case deallocate(UnsafeMutableRawPointer)
    }

    /// Maps the file at `path` read-only.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw MappedFileError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw MappedFileError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw MappedFileError.notARegularFile(path: path) }
        let size = Int(info.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            release = .none
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0),
            base != UnsafeMutableRawPointer(bitPattern: -1)
        else {
            throw MappedFileError.cannotMap(path: path, reason: String(cString: strerror(errno)))
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
        release = .unmap(base, size)
    }

    /// Wraps a private copy of `contents`; `name` is used in error messages.
    public init(copying contents: [UInt8], name: String) {
        path = name
        if contents.isEmpty {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            release = .none
            return
        }
        let base = UnsafeMutableRawPointer.allocate(byteCount: contents.count, alignment: 64)
        contents.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        bytes = UnsafeRawBufferPointer(start: base, count: contents.count)
        release = .deallocate(base)
    }

    /// Calls `body` with the bytes while keeping this object (and so the mapping) alive.
    ///
    /// Use this rather than `bytes` when the `MappedFile` is a local or temporary: Swift may release
    /// an object right after its last use, which would unmap the bytes while they are read.
    public func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(self) { try body(bytes) }
    }

    deinit {
        switch release {
        case .none: break
        case .unmap(let base, let size): munmap(base, size)
        case .deallocate(let base): base.deallocate()
        }
    }
}
