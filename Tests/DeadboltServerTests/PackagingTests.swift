import DeadboltServer
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The packaging: `make install`, `make deb`, the systemd units and the
/// maintainer scripts, checked against the real tools.
///
/// `make install` builds deadboltd in release with a static Swift runtime, in
/// its own scratch path (`.build-static`; this test run holds `.build`'s
/// lock). The first install builds it; the tests share that install, and the
/// package reuses the build. One class, so its tests run one after another.
final class PackagingTests: XCTestCase {
    // MARK: - Fixtures shared by the tests

    /// The repository: three levels above this file.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static let lock = NSLock()
    nonisolated(unsafe) private static var scratch: URL?
    nonisolated(unsafe) private static var install: Result<URL, Error>?
    nonisolated(unsafe) private static var package: Result<URL, Error>?

    override class func tearDown() {
        lock.withLock {
            if let scratch { try? FileManager.default.removeItem(at: scratch) }
            scratch = nil
            install = nil
            package = nil
        }
        super.tearDown()
    }

    /// A directory for this class's files, removed after its last test.
    private static func scratchDirectory() throws -> URL {
        if let scratch { return scratch }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("deadbolt-packaging-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        scratch = directory
        return directory
    }

    /// `make install DESTDIR=<tmp>/root PREFIX=/usr/local`, once; the DESTDIR.
    static func installedTree() throws -> URL {
        try lock.withLock {
            if let install { return try install.get() }
            let result = Result<URL, Error> {
                let destination = try scratchDirectory().appendingPathComponent("root")
                try runMake(["install", "DESTDIR=\(destination.path)", "PREFIX=/usr/local"])
                return destination
            }
            install = result
            return try result.get()
        }
    }

    /// `make deb DISTDIR=<tmp>/dist`, once; the .deb.
    static func builtPackage() throws -> URL {
        try lock.withLock {
            if let package { return try package.get() }
            let result = Result<URL, Error> {
                let dist = try scratchDirectory().appendingPathComponent("dist")
                try runMake(["deb", "DISTDIR=\(dist.path)"])
                let arch = try run(["dpkg", "--print-architecture"]).checked().output
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let deb = dist.appendingPathComponent("deadbolt_\(DeadboltVersion.string)_\(arch).deb")
                guard FileManager.default.fileExists(atPath: deb.path) else {
                    throw CommandFailure(description: "make deb made no \(deb.path)")
                }
                return deb
            }
            package = result
            return try result.get()
        }
    }

    private static func runMake(_ arguments: [String]) throws {
        // Not the make flags of an enclosing `make test` (its jobserver, its
        // variables): this make starts afresh.
        var environment = ProcessInfo.processInfo.environment
        for name in ["MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "DESTDIR", "PREFIX", "SYSCONFDIR", "DISTDIR"] {
            environment[name] = nil
        }
        _ = try run(["make", "--no-print-directory"] + arguments, directory: repositoryRoot, environment: environment).checked()
    }

    // MARK: - Running commands

    struct CommandResult {
        var command: [String]
        var status: Int32
        /// Standard output and standard error, interleaved.
        var output: String

        @discardableResult
        func checked() throws -> CommandResult {
            guard status == 0 else {
                throw CommandFailure(description: "`\(command.joined(separator: " "))` exited \(status):\n\(output)")
            }
            return self
        }
    }

    struct CommandFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs a command found on PATH (or at an absolute path) and waits for it.
    static func run(_ command: [String], directory: URL? = nil, environment: [String: String]? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(command: command, status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    static func isInstalled(_ tool: String) -> Bool {
        (try? run(["sh", "-c", "command -v \(tool)"]).status) == 0
    }

    // MARK: - What gets installed

    /// Every file `make install` puts under DESTDIR$(PREFIX).
    static let filesUnderPrefix = [
        "bin/deadboltd",
        "bin/deadbolt",
        "share/bash-completion/completions/deadbolt",
        "share/zsh/vendor-completions/_deadbolt",
        "share/fish/vendor_completions.d/deadbolt.fish",
        "share/doc/deadbolt/examples/cron-backup.sh",
        "lib/systemd/system/deadbolt.service",
        "lib/systemd/system/deadbolt.socket",
        "lib/sysusers.d/deadbolt.conf",
        "lib/tmpfiles.d/deadbolt.conf",
        "share/doc/deadbolt/README.md",
        "share/doc/deadbolt/docs/ARCHITECTURE.md",
        "share/doc/deadbolt/docs/OPERATIONS.md",
        "share/doc/deadbolt/docs/PROTOCOL.md",
        "share/doc/deadbolt/examples/upstream.conf.example",
        "include/deadbolt.h",
        "lib/libdeadbolt.a",
        "lib/libdeadbolt.so.\(DeadboltVersion.string)",
        "lib/pkgconfig/deadbolt.pc",
    ]
    static let environmentFile = "etc/default/deadbolt"

    // MARK: - (a) make install

    func testInstallPutsEveryFileInPlaceAndTheBinaryRunsWithoutSwift() throws {
        let root = try Self.installedTree()
        let prefix = root.appendingPathComponent("usr/local")
        for file in Self.filesUnderPrefix {
            XCTAssertTrue(FileManager.default.fileExists(atPath: prefix.appendingPathComponent(file).path), "missing \(file)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent(Self.environmentFile).path))
        // The library's development links; its pkg-config file names this prefix.
        for link in ["lib/libdeadbolt.so", "lib/libdeadbolt.so.0"] {
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: prefix.appendingPathComponent(link).path)
            XCTAssertNotNil(target, "\(link) is not a symbolic link")
        }
        let pc = try String(contentsOf: prefix.appendingPathComponent("lib/pkgconfig/deadbolt.pc"), encoding: .utf8)
        XCTAssertTrue(pc.contains("\nlibdir=/usr/local/lib\n") && pc.contains("\nVersion: \(DeadboltVersion.string)\n"), pc)

        let binary = prefix.appendingPathComponent("bin/deadboltd").path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary))
        let version = try Self.run([binary, "--version"]).checked()
        XCTAssertEqual(version.output.trimmingCharacters(in: .whitespacesAndNewlines), DeadboltVersion.string)

        // The Swift runtime is linked in: nothing from the toolchain is loaded.
        let libraries = try Self.run(["ldd", binary]).checked().output
        XCTAssertFalse(libraries.contains("libswift"), libraries)
        XCTAssertFalse(libraries.contains("libFoundation"), libraries)
        XCTAssertFalse(libraries.contains("not found"), libraries)

        // The unit names the installed binary; nothing is left unsubstituted.
        let service = try String(contentsOf: prefix.appendingPathComponent("lib/systemd/system/deadbolt.service"), encoding: .utf8)
        XCTAssertTrue(service.contains("\nExecStart=/usr/local/bin/deadboltd --state-dir /var/lib/deadbolt $DEADBOLT_OPTIONS\n"), service)
        XCTAssertNil(service.range(of: "@[A-Z]+@", options: .regularExpression), service)
        let defaults = try String(contentsOf: root.appendingPathComponent(Self.environmentFile), encoding: .utf8)
        XCTAssertTrue(defaults.contains("\nDEADBOLT_OPTIONS=\"\"\n"), defaults)
    }

    // MARK: - (b) make deb

    func testDebPackageHoldsEveryFileAndItsControlFields() throws {
        guard Self.isInstalled("dpkg-deb") else { throw XCTSkip("dpkg-deb is not installed") }
        let deb = try Self.builtPackage().path

        let listing = try Self.run(["dpkg-deb", "-c", deb]).checked().output
        let paths = Set(listing.split(separator: "\n").compactMap { line in
            line.split(separator: " ", omittingEmptySubsequences: true).last.map(String.init)
        })
        for file in Self.filesUnderPrefix.map({ "./usr/" + $0 }) + ["./" + Self.environmentFile] {
            XCTAssertTrue(paths.contains(file), "\(file) is not in the package:\n\(listing)")
        }
        XCTAssertTrue(listing.contains("-rwxr-xr-x root/root"), listing)
        XCTAssertTrue(listing.contains("./usr/lib/libdeadbolt.so.0 -> libdeadbolt.so.\(DeadboltVersion.string)"), listing)

        let info = try Self.run(["dpkg-deb", "-I", deb]).checked().output
        let arch = try Self.run(["dpkg", "--print-architecture"]).checked().output.trimmingCharacters(in: .whitespacesAndNewlines)
        for field in [
            "Package: deadbolt",
            "Version: \(DeadboltVersion.string)",
            "Architecture: \(arch)",
            "Section: admin",
            "Priority: optional",
            "Maintainer: Deadbolt maintainers <maintainers@deadbolt.invalid>",
            "Installed-Size: ",
            "Description: ",
        ] {
            XCTAssertTrue(info.contains("\n " + field), "no \(field) in:\n\(info)")
        }
        let depends = info.split(separator: "\n").first { $0.hasPrefix(" Depends: ") }.map(String.init) ?? ""
        XCTAssertTrue(depends.contains("libc6"), info)
        XCTAssertFalse(depends.contains("swift"), info)
        for script in ["postinst", "prerm", "postrm", "conffiles", "md5sums", "shlibs", "triggers"] {
            XCTAssertTrue(info.contains(" \(script)"), "no \(script) in:\n\(info)")
        }
        let conffiles = try Self.run(["dpkg-deb", "-I", deb, "conffiles"]).checked().output
        XCTAssertEqual(conffiles.trimmingCharacters(in: .whitespacesAndNewlines), "/etc/default/deadbolt")

        // The packaged unit runs the packaged binary.
        let unpacked = try Self.scratchDirectoryForTest("unpacked")
        try Self.run(["dpkg-deb", "-x", deb, unpacked.path]).checked()
        let service = try String(contentsOf: unpacked.appendingPathComponent("usr/lib/systemd/system/deadbolt.service"), encoding: .utf8)
        XCTAssertTrue(service.contains("\nExecStart=/usr/bin/deadboltd --state-dir /var/lib/deadbolt $DEADBOLT_OPTIONS\n"), service)
    }

    // MARK: - (c) the units and configuration, against systemd's own tools

    func testSystemdAnalyzeVerifiesTheInstalledUnits() throws {
        guard Self.isInstalled("systemd-analyze") else { throw XCTSkip("systemd-analyze is not installed") }
        let root = try Self.installedTree()
        let installedUnits = root.appendingPathComponent("usr/local/lib/systemd/system")
        let binary = root.appendingPathComponent("usr/local/bin/deadboltd").path

        // A copy whose ExecStart names the DESTDIR binary (verify checks that
        // it exists and is executable), with the upstream example drop-in.
        let units = try Self.scratchDirectoryForTest("units")
        let socket = units.appendingPathComponent("deadbolt.socket")
        let service = units.appendingPathComponent("deadbolt.service")
        try FileManager.default.copyItem(at: installedUnits.appendingPathComponent("deadbolt.socket"), to: socket)
        let serviceText = try String(contentsOf: installedUnits.appendingPathComponent("deadbolt.service"), encoding: .utf8)
            .replacingOccurrences(of: "ExecStart=/usr/local/bin/deadboltd", with: "ExecStart=\(binary)")
        try serviceText.write(to: service, atomically: true, encoding: .utf8)

        let verified = try Self.run(["systemd-analyze", "verify", socket.path, service.path])
        XCTAssertEqual(verified.status, 0, verified.output)
        XCTAssertFalse(verified.output.contains("deadbolt"), verified.output)

        let dropInDirectory = units.appendingPathComponent("deadbolt.service.d")
        try FileManager.default.createDirectory(at: dropInDirectory, withIntermediateDirectories: true)
        let example = root.appendingPathComponent("usr/local/share/doc/deadbolt/examples/upstream.conf.example")
        let dropIn = try String(contentsOf: example, encoding: .utf8)
            .replacingOccurrences(of: "ExecStart=/usr/bin/deadboltd", with: "ExecStart=\(binary)")
        try dropIn.write(to: dropInDirectory.appendingPathComponent("upstream.conf"), atomically: true, encoding: .utf8)
        let withDropIn = try Self.run(["systemd-analyze", "verify", socket.path, service.path])
        XCTAssertEqual(withDropIn.status, 0, withDropIn.output)
        XCTAssertFalse(withDropIn.output.contains("deadbolt"), withDropIn.output)
    }

    func testSysusersAndTmpfilesCreateTheUserAndStateDirectoryInAThrowawayRoot() throws {
        guard Self.isInstalled("systemd-sysusers"), Self.isInstalled("systemd-tmpfiles") else {
            throw XCTSkip("systemd-sysusers or systemd-tmpfiles is not installed")
        }
        guard getuid() == 0 else { throw XCTSkip("systemd-tmpfiles --root needs root to chown") }
        let installed = try Self.installedTree().appendingPathComponent("usr/local/lib")
        let root = try Self.scratchDirectoryForTest("sysroot")
        for (directory, file) in [("sysusers.d", "deadbolt.conf"), ("tmpfiles.d", "deadbolt.conf")] {
            let target = root.appendingPathComponent("usr/lib/\(directory)")
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                at: installed.appendingPathComponent("\(directory)/\(file)"), to: target.appendingPathComponent(file))
        }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)

        // With --root, a configuration file is named relative to its directory.
        try Self.run(["systemd-sysusers", "--root=\(root.path)", "deadbolt.conf"]).checked()
        let passwd = try String(contentsOf: root.appendingPathComponent("etc/passwd"), encoding: .utf8)
        let group = try String(contentsOf: root.appendingPathComponent("etc/group"), encoding: .utf8)
        let user = try XCTUnwrap(passwd.split(separator: "\n").first { $0.hasPrefix("deadbolt:") }, passwd)
        XCTAssertTrue(user.hasSuffix(":Deadbolt lock broker:/var/lib/deadbolt:/usr/sbin/nologin"), String(user))
        XCTAssertTrue(group.split(separator: "\n").contains { $0.hasPrefix("deadbolt:") }, group)

        try Self.run(["systemd-tmpfiles", "--root=\(root.path)", "--create", "deadbolt.conf"]).checked()
        let attributes = try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent("var/lib/deadbolt").path)
        XCTAssertEqual(attributes[.type] as? FileAttributeType, .typeDirectory)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o750)
        let uid = user.split(separator: ":", omittingEmptySubsequences: false)[2]
        XCTAssertEqual((attributes[.ownerAccountID] as? NSNumber)?.stringValue, String(uid))
    }

    // MARK: - (d) the maintainer scripts

    /// Runs a maintainer script with only stub commands on PATH: each stub
    /// logs its name and arguments and succeeds (`getent` finds nobody).
    private func runMaintainerScript(_ name: String, _ arguments: [String], stubs: [String]) throws -> [String] {
        let script = Self.repositoryRoot.appendingPathComponent("packaging/debian/\(name)").path
        let directory = try Self.scratchDirectoryForTest("stubs-\(name)-\(arguments.joined(separator: "-"))-\(stubs.count)")
        let bin = directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let log = directory.appendingPathComponent("log")
        XCTAssertTrue(FileManager.default.createFile(atPath: log.path, contents: nil))
        for stub in stubs {
            let status = stub == "getent" ? 2 : 0
            let body = "#!/bin/sh\necho \"\(stub) $*\" >> '\(log.path)'\nexit \(status)\n"
            let path = bin.appendingPathComponent(stub).path
            try body.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertEqual(chmod(path, 0o755), 0)
        }
        try Self.run(["/bin/sh", script] + arguments, environment: ["PATH": bin.path]).checked()
        return try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func testMaintainerScriptsParseAndLeaveSystemctlAloneWithoutSystemd() throws {
        let scripts = ["postinst", "prerm", "postrm"]
        for name in scripts {
            let path = Self.repositoryRoot.appendingPathComponent("packaging/debian/\(name)").path
            try Self.run(["sh", "-n", path]).checked()
            XCTAssertTrue(FileManager.default.isExecutableFile(atPath: path), "\(name) is not executable")
            let text = try String(contentsOfFile: path, encoding: .utf8)
            if text.contains("systemctl ") {
                XCTAssertTrue(text.contains("[ -d /run/systemd/system ]"), "\(name) calls systemctl without checking for systemd")
            }
        }

        let systemdRuns = FileManager.default.fileExists(atPath: "/run/systemd/system")
        let every = [
            "systemd-sysusers", "systemd-tmpfiles", "deb-systemd-helper", "deb-systemd-invoke", "systemctl",
            "getent", "adduser", "useradd", "mkdir", "chown", "chmod",
        ]

        // With systemd's tools: sysusers and tmpfiles do the work.
        let installed = try runMaintainerScript("postinst", ["configure", ""], stubs: every)
        XCTAssertTrue(installed.contains("systemd-sysusers /usr/lib/sysusers.d/deadbolt.conf"), "\(installed)")
        XCTAssertTrue(installed.contains("systemd-tmpfiles --create /usr/lib/tmpfiles.d/deadbolt.conf"), "\(installed)")
        XCTAssertTrue(installed.contains("deb-systemd-helper enable deadbolt.socket"), "\(installed)")
        XCTAssertFalse(installed.contains { $0.hasPrefix("adduser") || $0.hasPrefix("useradd") }, "\(installed)")

        // Without them: adduser, and the state directory by hand.
        let bare = ["getent", "adduser", "useradd", "mkdir", "chown", "chmod", "systemctl", "deb-systemd-invoke"]
        let fallback = try runMaintainerScript("postinst", ["configure", ""], stubs: bare)
        XCTAssertTrue(fallback.contains { $0.hasPrefix("adduser --system --group --home /var/lib/deadbolt") }, "\(fallback)")
        XCTAssertTrue(fallback.contains("mkdir -p /var/lib/deadbolt"), "\(fallback)")
        XCTAssertTrue(fallback.contains("chown deadbolt:deadbolt /var/lib/deadbolt"), "\(fallback)")
        XCTAssertTrue(fallback.contains("chmod 0750 /var/lib/deadbolt"), "\(fallback)")

        // remove (purge deletes /var/lib/deadbolt, so it is not run here).
        let stopped = try runMaintainerScript("prerm", ["remove"], stubs: every)
        let removed = try runMaintainerScript("postrm", ["remove"], stubs: every)
        let postrm = try String(contentsOfFile: Self.repositoryRoot.appendingPathComponent("packaging/debian/postrm").path, encoding: .utf8)
        XCTAssertTrue(postrm.contains("rm -rf /var/lib/deadbolt"))

        let all = installed + fallback + stopped + removed
        if systemdRuns {
            XCTAssertTrue(installed.contains("systemctl --system daemon-reload"), "\(installed)")
            XCTAssertTrue(stopped.contains("systemctl stop deadbolt.socket deadbolt.service"), "\(stopped)")
        } else {
            XCTAssertFalse(all.contains { $0.hasPrefix("systemctl") || $0.hasPrefix("deb-systemd-invoke") }, "\(all)")
        }
    }

    // MARK: - Helpers

    /// A fresh directory inside the class's scratch directory.
    private static func scratchDirectoryForTest(_ name: String) throws -> URL {
        let base = try lock.withLock { try scratchDirectory() }
        let directory = base.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
