using System.Text;
using ModelRegistry.Contracts;

namespace ModelRegistry.Platform.Rules;

/// <summary>
/// Lexical checks of artifact paths and source URIs: everything that can be decided without touching the file
/// system. Symlinks are the store's job (it resolves real paths before opening anything).
/// </summary>
/// <remarks>
/// The refused classes are the ones that bit MLflow (CVE-2023-1177, -2356, -2780, -6730, CVE-2024-1483, -1558,
/// CVE-2025-11201): '..' segments, backslashes, percent- and double-percent-encoded traversal, overlong or invalid
/// UTF-8, queries and fragments, remote hosts and UNC, unknown schemes, NUL and control characters.
/// </remarks>
public static class ArtifactPaths
{
    public const int MaxPathLength = 512;

    /// <summary>The largest artifact file there can be (1 TiB); the store's operators may set a lower one.</summary>
    public const long MaxFileSize = 1L << 40;

    /// <summary>PATH_MAX on Linux; the contract documents no limit, so the OS's is used.</summary>
    public const int MaxSourceUriLength = 4096;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Checks a manifest path: relative, '/'-separated, 1-512 characters of A-Z a-z 0-9 . _ - + = @ ,
    /// with no empty segment and no segment made only of dots.
    /// </summary>
    /// <remarks>
    /// Manifest paths are names inside the artifact, never decoded, so anything that a later consumer might
    /// interpret is refused rather than carried: '%' (a download URL or an unpacking tool could decode it), ':'
    /// (drive letters, NTFS streams), '?' and '#' (URL query and fragment), '\' (Windows separator), control
    /// characters, and all non-ASCII (full-width '．' and '／' and similar look-alikes, NFC/NFD differences between
    /// file systems). Those are <c>hostile_path</c>; other punctuation (space, '*', '~', quotes...) is
    /// <c>invalid_value</c>. Segments of dots only ('.', '..', '...') are refused because Windows strips trailing
    /// dots.
    /// </remarks>
    public static Rejection? ValidateRelativePath(string path, string field)
    {
        if (string.IsNullOrEmpty(path)) return FieldRules.Missing(field);
        if (path.Length > MaxPathLength)
            return new(RejectionReasons.LimitExceeded, $"{field}: {path.Length} characters, at most {MaxPathLength}");

        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (char.IsControl(c)) return Hostile(field, $"control character U+{(int)c:X4} at index {i}");
            if (c == '\\') return Hostile(field, $"{FieldRules.Shown(path)} contains a backslash");
        }
        if (path[0] == '/') return Hostile(field, $"{FieldRules.Shown(path)} is absolute; manifest paths are relative");
        if (path.Length >= 2 && char.IsAsciiLetter(path[0]) && path[1] == ':')
            return Hostile(field, $"{FieldRules.Shown(path)} starts with a drive letter");

        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0)
                return Hostile(field, $"{FieldRules.Shown(path)} has an empty segment (leading, trailing or doubled '/')");
            if (segment.AsSpan().TrimStart('.').IsEmpty)
                return Hostile(field, $"{FieldRules.Shown(path)} has a '{segment}' segment");
        }

        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            switch (c)
            {
                case '%':
                    return Hostile(field, $"{FieldRules.Shown(path)} contains '%': manifest paths are never percent-decoded, so '%' is refused");
                case ':' or '?' or '#':
                    return Hostile(field, $"{FieldRules.Shown(path)} contains '{c}'");
                case > '~':
                    return Hostile(field, $"{FieldRules.Shown(path)} contains non-ASCII U+{(int)c:X4} at index {i}");
                case '/' or '.' or '_' or '-' or '+' or '=' or '@' or ',':
                    break;
                default:
                    if (!char.IsAsciiLetterOrDigit(c))
                        return new(RejectionReasons.InvalidValue,
                            $"{field}: {FieldRules.Shown(path)} contains '{c}'; use A-Z a-z 0-9 . _ - + = @ , and '/' between segments");
                    break;
            }
        }
        return null;
    }

    /// <summary>
    /// Where a fetch writes the file at <paramref name="manifestPath"/>: <paramref name="root"/> (an absolute path without
    /// '.' or '..' segments, see <see cref="NormalizeRoot"/>) joined with the path, when the path passes
    /// <see cref="ValidateRelativePath"/> and the result is strictly inside the root. Purely lexical: the store also checks
    /// that the real folder it writes into, symlinks followed, is inside the root's real path.
    /// </summary>
    /// <remarks>The registry refused hostile paths at registration; this check is the writer's own, so a row changed
    /// behind the registry's back (or a registration from before a rule existed) still cannot write outside the root.</remarks>
    public static (string? Destination, Rejection? Refusal) Destination(string root, string manifestPath, string field)
    {
        if (NormalizeRoot(root) is not { } normalized)
            return (null, new(RejectionReasons.InvalidValue, $"{field}: the destination {FieldRules.Shown(root)} is not an absolute path without '.' or '..' segments"));
        if (ValidateRelativePath(manifestPath, field) is { } refusal) return (null, refusal);
        var destination = normalized == "/" ? "/" + manifestPath : normalized + "/" + manifestPath;
        return IsInside(destination, normalized)
            ? (destination, null)
            : (null, Hostile(field, $"{FieldRules.Shown(manifestPath)} would be written outside {normalized}"));
    }

    /// <summary>
    /// Checks what can be checked of a source URI without the allowed roots: it must be
    /// <c>file:///absolute/path</c> or <c>file://localhost/absolute/path</c>, without query, fragment, traversal or
    /// encoding tricks. See <see cref="ResolveSource"/> for the rules.
    /// </summary>
    public static Rejection? ValidateSourceUriSyntax(string uri, string field) => ParseFileUri(uri, field).Refusal;

    /// <summary>
    /// Turns a source URI into the absolute local path it names, if that path is lexically inside one of
    /// <paramref name="allowedRoots"/>. Purely lexical: symlinks are resolved by the artifact store.
    /// </summary>
    /// <remarks>
    /// <para>Accepted: scheme <c>file</c> (any case), host empty or <c>localhost</c>, an absolute path of RFC 3986
    /// path characters. Refused with <c>unsupported_source</c>: any other scheme (http, https, s3, ftp...), a
    /// bare path without scheme, <c>file:/path</c> without authority, any other host (UNC, remote), user info or
    /// port, a query or a fragment.</para>
    /// <para>Refused with <c>hostile_path</c>: NUL, control characters, backslashes and non-ASCII anywhere; empty,
    /// '.' or '..' segments before decoding; malformed escapes; escapes of '/', '\', '%' or control bytes (so
    /// double encoding such as <c>%252e</c> fails, since it decodes to '%'); invalid or overlong UTF-8 (such as
    /// <c>%c0%ae</c>); '.' or '..' segments after decoding; paths outside every allowed root.</para>
    /// <para>Percent-encoding is decoded exactly once. A path is inside a root when it starts with the root plus
    /// '/', so <c>/data/in2/x</c> is not inside <c>/data/in</c>. Roots that are not clean absolute paths (see
    /// <see cref="NormalizeRoot"/>) match nothing.</para>
    /// </remarks>
    public static (string? LocalPath, Rejection? Refusal) ResolveSource(string uri, IReadOnlyList<string> allowedRoots, string field)
    {
        var (path, refusal) = ParseFileUri(uri, field);
        if (refusal is not null) return (null, refusal);
        if (allowedRoots is null || allowedRoots.Count == 0)
            return (null, new(RejectionReasons.UnsupportedSource,
                $"{field}: no allowed source roots configured (Artifacts:AllowedSourceRoots)"));

        foreach (var root in allowedRoots)
        {
            var normalized = NormalizeRoot(root);
            if (normalized is not null && IsInside(path!, normalized)) return (path, null);
        }
        return (null, Hostile(field, $"{FieldRules.Shown(uri)} is outside the allowed source roots"));
    }

    /// <summary>
    /// A root as an absolute path without repeated or trailing '/', or null when it is not absolute or has a '.'
    /// or '..' segment, a backslash or a control character.
    /// </summary>
    public static string? NormalizeRoot(string? root)
    {
        if (string.IsNullOrEmpty(root) || root[0] != '/') return null;
        foreach (var c in root)
        {
            if (char.IsControl(c) || c == '\\') return null;
        }
        var segments = root.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s is "." or "..")) return null;
        return "/" + string.Join('/', segments);
    }

    /// <summary>Whether <paramref name="path"/> is strictly below <paramref name="root"/> (both normalized).</summary>
    public static bool IsInside(string path, string root) =>
        root == "/" ? path.Length > 1 && path[0] == '/' : path.StartsWith(root + "/", StringComparison.Ordinal);

    private static (string? Path, Rejection? Refusal) ParseFileUri(string uri, string field)
    {
        if (string.IsNullOrEmpty(uri)) return (null, FieldRules.Missing(field));
        if (uri.Length > MaxSourceUriLength)
            return (null, new(RejectionReasons.LimitExceeded, $"{field}: {uri.Length} characters, at most {MaxSourceUriLength}"));

        for (var i = 0; i < uri.Length; i++)
        {
            var c = uri[i];
            if (char.IsControl(c)) return (null, Hostile(field, $"control character U+{(int)c:X4} at index {i}"));
            if (c == '\\') return (null, Hostile(field, $"{FieldRules.Shown(uri)} contains a backslash"));
            if (c > '~') return (null, Hostile(field, $"{FieldRules.Shown(uri)} contains non-ASCII U+{(int)c:X4}; percent-encode it"));
        }

        var colon = uri.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon > 0 ? uri[..colon] : "";
        if (!IsScheme(scheme))
            return (null, Unsupported(field, $"{FieldRules.Shown(uri)} is not a URI; only file:///absolute/path is supported"));
        if (!scheme.Equals("file", StringComparison.OrdinalIgnoreCase))
            return (null, Unsupported(field, $"scheme '{scheme}' is not supported; only file:///absolute/path is"));
        if (uri.Contains('?', StringComparison.Ordinal))
            return (null, Unsupported(field, $"{FieldRules.Shown(uri)} has a query"));
        if (uri.Contains('#', StringComparison.Ordinal))
            return (null, Unsupported(field, $"{FieldRules.Shown(uri)} has a fragment"));

        var rest = uri[(colon + 1)..];
        if (!rest.StartsWith("//", StringComparison.Ordinal))
            return (null, Unsupported(field, $"{FieldRules.Shown(uri)} has no authority; write file:///absolute/path"));
        rest = rest[2..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var host = slash < 0 ? rest : rest[..slash];
        if (host.Length > 0 && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            return (null, Unsupported(field, $"host {FieldRules.Shown(host)} is not supported; only file:/// or file://localhost/"));
        if (slash < 0 || slash == rest.Length - 1)
            return (null, new(RejectionReasons.InvalidValue, $"{field}: {FieldRules.Shown(uri)} names no file"));

        var rawSegments = rest[(slash + 1)..].Split('/');
        var decoded = new string[rawSegments.Length];
        for (var i = 0; i < rawSegments.Length; i++)
        {
            var raw = rawSegments[i];
            if (raw.Length == 0)
                return (null, Hostile(field, $"{FieldRules.Shown(uri)} has an empty segment (doubled or trailing '/')"));
            if (raw is "." or "..")
                return (null, Hostile(field, $"{FieldRules.Shown(uri)} has a '{raw}' segment"));
            foreach (var c in raw)
            {
                if (!IsPathChar(c))
                    return (null, new(RejectionReasons.InvalidValue,
                        $"{field}: {FieldRules.Shown(uri)} contains '{c}', which a URI must percent-encode"));
            }
            var (segment, problem) = DecodeSegment(raw);
            if (problem is not null) return (null, Hostile(field, $"{FieldRules.Shown(uri)}: {problem}"));
            if (segment is "." or "..")
                return (null, Hostile(field, $"{FieldRules.Shown(uri)} has a percent-encoded '{segment}' segment"));
            decoded[i] = segment!;
        }
        return ("/" + string.Join('/', decoded), null);
    }

    /// <summary>Decodes one segment's escapes once, refusing escapes that would change the path's structure.</summary>
    private static (string? Segment, string? Problem) DecodeSegment(string raw)
    {
        if (!raw.Contains('%', StringComparison.Ordinal)) return (raw, null);
        var bytes = new byte[raw.Length];
        var n = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '%')
            {
                bytes[n++] = (byte)raw[i];
                continue;
            }
            if (i + 2 >= raw.Length || !char.IsAsciiHexDigit(raw[i + 1]) || !char.IsAsciiHexDigit(raw[i + 2]))
                return (null, "malformed percent-encoding");
            var b = (byte)Convert.ToInt32(raw.Substring(i + 1, 2), 16);
            i += 2;
            switch (b)
            {
                case (byte)'/' or (byte)'\\':
                    return (null, $"percent-encoded '{(char)b}'");
                case (byte)'%':
                    return (null, "double percent-encoding ('%25')");
                case < 0x20 or 0x7F:
                    return (null, $"percent-encoded control byte 0x{b:X2}");
            }
            bytes[n++] = b;
        }

        string segment;
        try
        {
            segment = StrictUtf8.GetString(bytes, 0, n);
        }
        catch (DecoderFallbackException)
        {
            return (null, "percent-encoding is not valid UTF-8 (overlong or invalid sequence)");
        }
        foreach (var c in segment)
        {
            if (char.IsControl(c)) return (null, $"percent-encoded control character U+{(int)c:X4}");
        }
        return (segment, null);
    }

    /// <summary>RFC 3986 pchar, plus '%' (escapes are checked when decoded).</summary>
    private static bool IsPathChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '!' or '$' or '&' or '\'' or '(' or ')'
            or '*' or '+' or ',' or ';' or '=' or ':' or '@' or '%';

    /// <summary>RFC 3986 scheme: a letter, then letters, digits, '+', '-', '.'.</summary>
    private static bool IsScheme(string s) =>
        s.Length > 0 && char.IsAsciiLetter(s[0]) && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.');

    private static Rejection Hostile(string field, string what) => new(RejectionReasons.HostilePath, $"{field}: {what}");

    private static Rejection Unsupported(string field, string what) => new(RejectionReasons.UnsupportedSource, $"{field}: {what}");
}
