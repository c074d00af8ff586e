using System.Security.Cryptography;

namespace ModelRegistry.Testing;

/// <summary>
/// The audit checkpoint key pair test hosts sign with: made once per test process in a private temporary folder (the key
/// mode 600, as the host requires), never the development key.
/// </summary>
public static class TestCheckpointKey
{
    private static readonly Lazy<(string Private, string Public)> Files = new(Make);

    /// <summary>The private key's PEM file (Audit__CheckpointKeyFile).</summary>
    public static string PrivateKeyFile => Files.Value.Private;

    /// <summary>The public key's PEM file (what mreg audit verify --public-key takes).</summary>
    public static string PublicKeyFile => Files.Value.Public;

    /// <summary>A new key pair in <paramref name="folder"/>: another signer, for tests of a wrong key.</summary>
    public static (string Private, string Public) MakeIn(string folder)
    {
        Directory.CreateDirectory(folder);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var privateFile = Path.Combine(folder, "checkpoint.key");
        var publicFile = Path.Combine(folder, "checkpoint.pub");
        File.WriteAllText(privateFile, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(privateFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(publicFile, key.ExportSubjectPublicKeyInfoPem());
        return (privateFile, publicFile);
    }

    private static (string, string) Make() =>
        MakeIn(Path.Combine(Path.GetTempPath(), $"mreg-test-checkpoint-{Environment.ProcessId}-{Guid.NewGuid():N}"));
}
