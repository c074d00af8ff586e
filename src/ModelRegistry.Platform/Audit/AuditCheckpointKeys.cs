using System.Security.Cryptography;

namespace ModelRegistry.Platform.Audit;

/// <summary>Reading the checkpoint keys from PEM files, with one-line errors that name the file and say what to do.</summary>
public static class AuditCheckpointKeys
{
    /// <summary>How to make a key pair, for error messages and docs.</summary>
    public const string HowToMake =
        "make one with: openssl ecparam -name prime256v1 -genkey | openssl pkcs8 -topk8 -nocrypt -out KEY && chmod 600 KEY && openssl ec -in KEY -pubout -out KEY.pub";

    /// <summary>
    /// The signing key in <paramref name="path"/>: a PEM EC P-256 private key (PKCS#8 <c>PRIVATE KEY</c> or SEC1
    /// <c>EC PRIVATE KEY</c>) that only its owner may read (mode 600 or 400). Null and the problem when it is not one.
    /// </summary>
    public static (ECDsa? Key, string? Problem) LoadPrivate(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) return (null, $"required: the PEM file of the audit checkpoint signing key ({HowToMake})");
        if (!File.Exists(path)) return (null, $"{path} does not exist ({HowToMake})");
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            return (null, $"{path} is readable or writable by others than its owner: chmod 600 it");
        var (key, problem) = Load(path);
        if (key is null) return (null, problem);
        try
        {
            key.ExportParameters(includePrivateParameters: true);
        }
        catch (CryptographicException)
        {
            key.Dispose();
            return (null, $"{path} holds a public key; the host signs with the private key ({HowToMake})");
        }
        return (key, null);
    }

    /// <summary>
    /// A verification key in <paramref name="path"/>: a PEM <c>PUBLIC KEY</c> (SubjectPublicKeyInfo) on P-256. A private key
    /// is refused: whoever verifies needs, and should hold, only the public one.
    /// </summary>
    public static (ECDsa? Key, string? Problem) LoadPublic(string path)
    {
        if (!File.Exists(path)) return (null, $"{path} does not exist");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"{path}: {e.Message}");
        }
        if (text.Contains("PRIVATE KEY", StringComparison.Ordinal))
            return (null, $"{path} is a private key; give the public key (openssl ec -in KEY -pubout -out KEY.pub)");
        return Load(path);
    }

    private static (ECDsa? Key, string? Problem) Load(string path)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            if (key.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                key.Dispose();
                return (null, $"{path} is not a P-256 (prime256v1) key ({HowToMake})");
            }
            return (key, null);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException or IOException or UnauthorizedAccessException)
        {
            key.Dispose();
            return (null, $"{path} is not a PEM EC key: {e.Message} ({HowToMake})");
        }
    }
}
