import Foundation

/// Finds the changelog and NEWS files under a documentation root laid out like `/usr/share/doc`: one
/// directory per package, files directly in it or a few levels down (`gcc-12-base/gcc/changelog.gz`).
///
/// Many package directories are symlinks to another (`libtsan2` → `gcc-12-base`); every directory and
/// file is read once, under the first name that reaches it, and real directories come before symlinks so
/// that name is the owning package's. The order is sorted, so runs are reproducible.
enum ChangelogWalk {
    /// A file to read and the package directory it was found in.
    struct File: Equatable {
        let path: String
        let package: String
    }

    struct Result {
        var files: [File] = []
        /// Package directories skipped because another name already led to them.
        var aliasedPackages = 0
        /// Directories that could not be listed.
        var problems: [ChangelogProblem] = []
    }

    /// Levels of subdirectories read below a package directory.
    static let maxDepth = 3

    /// - Throws: `ChangelogProblem` `.unreadable` when `root` itself cannot be listed.
    static func files(under root: String) throws -> Result {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: root).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw ChangelogProblem(.unreadable, path: root,
                                   detail: "cannot list the documentation root: \(error.localizedDescription)")
        }
        var result = Result()
        var seen = Set<FileID>()
        let (links, real) = names.reduce(into: ([String](), [String]())) { acc, name in
            if isSymlink(root + "/" + name) { acc.0.append(name) } else { acc.1.append(name) }
        }
        for name in real + links {
            let path = root + "/" + name
            guard let id = FileID(path), id.isDirectory else { continue }
            guard seen.insert(id).inserted else { result.aliasedPackages += 1; continue }
            walk(path, package: name, depth: 0, seen: &seen, into: &result)
        }
        return result
    }

    /// Whether a file name is one this corpus reads: it starts with `changelog`, `changes`, `news` or
    /// `history` (any case), optionally ends in `.gz`, and is not HTML, XML, an image or another
    /// compression this build does not read.
    static func isChangelogName(_ name: String) -> Bool {
        guard !name.hasPrefix(".") else { return false }
        var base = name.lowercased()
        if base.hasSuffix(".gz") { base.removeLast(3) }
        guard ["changelog", "changes", "news", "history"].contains(where: { base.hasPrefix($0) }) else { return false }
        let parts = base.split(separator: ".")
        return parts.count < 2 || !excludedExtensions.contains(String(parts[parts.count - 1]))
    }

    private static let excludedExtensions: Set<String> = [
        "html", "htm", "xhtml", "xml", "pdf", "ps", "dvi", "bz2", "xz", "lzma", "zst", "zip",
        "jpg", "jpeg", "png", "gif", "svg", "css", "js", "json",
    ]

    private static func walk(_ dir: String, package: String, depth: Int, seen: inout Set<FileID>,
                             into result: inout Result) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            result.problems.append(ChangelogProblem(.unreadable, path: dir,
                                                    detail: "cannot list: \(error.localizedDescription)"))
            return
        }
        var subdirectories: [String] = []
        for name in names {
            let path = dir + "/" + name
            guard let id = FileID(path) else {
                // A dangling symlink or a file stat refuses: listed, so reading it reports why it is unreadable.
                if isChangelogName(name) { result.files.append(File(path: path, package: package)) }
                continue
            }
            if id.isDirectory {
                if depth < maxDepth { subdirectories.append(path) }
            } else if id.isRegular, isChangelogName(name), seen.insert(id).inserted {
                result.files.append(File(path: path, package: package))
            }
        }
        for path in subdirectories {
            guard let id = FileID(path), seen.insert(id).inserted else { continue }
            walk(path, package: package, depth: depth + 1, seen: &seen, into: &result)
        }
    }

    private static func isSymlink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK
    }

    /// A file's identity after following symlinks, and its type.
    private struct FileID: Hashable {
        let device: UInt64
        let inode: UInt64
        let mode: UInt32

        init?(_ path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev); inode = UInt64(info.st_ino); mode = UInt32(info.st_mode)
        }

        var isDirectory: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFDIR) }
        var isRegular: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFREG) }

        static func == (a: FileID, b: FileID) -> Bool { a.device == b.device && a.inode == b.inode }
        func hash(into hasher: inout Hasher) { hasher.combine(device); hasher.combine(inode) }
    }
}
