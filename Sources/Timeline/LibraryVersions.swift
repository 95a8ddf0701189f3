/// The versions of the C libraries Timeline links, for `ticd doctor` and `/v0/status`.
public enum LibraryVersions {
    public static var all: [String: String] {
        ["sqlite3": SQLiteDatabase.libraryVersion, "zstd": ZstdWriter.libraryVersion,
         "zlib": GzipWriter.libraryVersion, "libpng": PNGEncoder.libraryVersion, "libjpeg": JPEGEncoder.libraryVersion]
    }
}
