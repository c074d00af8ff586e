using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ModelRegistry.Contracts;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Registration.Rules;

/// <summary>The digest that identifies an artifact as a whole (<c>ModelVersionRegistered.ManifestDigest</c>).</summary>
public static class ManifestDigest
{
    /// <summary>
    /// <c>"sha256:"</c> followed by the 64 lowercase hex digits of the SHA-256 of the canonical manifest.
    /// </summary>
    /// <remarks>
    /// <para>The canonical manifest is the files sorted by <c>Path</c> in ordinal order, each written as four lines,
    /// UTF-8, every line ending in a single '\n' (0x0A), no other separator, no byte order mark:</para>
    /// <code>
    /// {Path}\n{Role}\n{Sha256}\n{Size}\n
    /// </code>
    /// <para><c>Size</c> is the decimal byte count without sign, leading zeros or separators; <c>Path</c>,
    /// <c>Role</c> and <c>Sha256</c> are the values as sent (valid manifests have lowercase hex digests).
    /// <c>SourceUri</c> is not part of it: the same bytes read from another place are the same artifact.</para>
    /// <para>Valid paths are ASCII, so ordinal order is byte order: Python's <c>sorted()</c> on the paths, or
    /// <c>LC_ALL=C sort</c>, gives the same order. Example, two files:</para>
    /// <code>
    /// python3 -c 'import hashlib; print("sha256:" + hashlib.sha256(
    ///   b"config.json\nconfig\n&lt;64 hex&gt;\n120\n" + b"model.safetensors\nweights\n&lt;64 hex&gt;\n1048576\n").hexdigest())'
    /// </code>
    /// <para>Ties (possible only in manifests that validation refuses) are broken by role, digest and size, so
    /// the result never depends on the input order.</para>
    /// </remarks>
    public static string Compute(IEnumerable<ArtifactFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var ordered = files
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ThenBy(f => f.Role, StringComparer.Ordinal)
            .ThenBy(f => f.Sha256, StringComparer.Ordinal)
            .ThenBy(f => f.Size);
        foreach (var file in ordered)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(
                string.Create(CultureInfo.InvariantCulture, $"{file.Path}\n{file.Role}\n{file.Sha256}\n{file.Size}\n")));
        }
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
