using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Registration;

namespace ModelRegistry.Cli;

public sealed record FileVerification(string Path, string Sha256, long Size, string Status, string? ActualSha256, long? ActualSize, string? Error);
public sealed record ArtifactVerification(string Model, int Version, bool Ok, IReadOnlyList<FileVerification> Files);

/// <summary><c>mreg artifact verify</c>: re-hashes the stored bytes of every file of a version.</summary>
public static class ArtifactCommand
{
    public const string Ok = "ok";
    public const string Missing = "MISSING";
    public const string Corrupt = "CORRUPT";
    public const string Unreadable = "UNREADABLE";

    public static Task<int> VerifyAsync(CliSettings settings, string name, int version, bool json, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            if (await VersionQueries.FilesAsync(connection, name, version, ct) is not { } files)
                return await CliDatabase.NotFoundAsync($"{name} has no version {version} (see `mreg models show {name}`)");

            IArtifactStore store = new ContentAddressedStore(settings.Artifacts);
            // Files of one version may share content: each object is read once.
            var checkedObjects = new Dictionary<(string, long), FileVerification>();
            var verified = new List<FileVerification>(files.Count);
            foreach (var file in files)
            {
                if (!checkedObjects.TryGetValue((file.Sha256, file.Size), out var result))
                {
                    result = await CheckAsync(store, file, ct);
                    checkedObjects[(file.Sha256, file.Size)] = result;
                }
                verified.Add(result with { Path = file.Path });
            }
            var report = new ArtifactVerification(name, version, verified.All(f => f.Status == Ok), verified);
            if (json) CliJson.Write(output, report);
            else Print(report, settings.Artifacts.Root, output);
            return report.Ok ? 0 : 1;
        }, ct);

    private static async Task<FileVerification> CheckAsync(IArtifactStore store, StoredFileRow file, CancellationToken ct)
    {
        try
        {
            var r = await store.VerifyAsync(file.Sha256, file.Size, ct);
            return r switch
            {
                { Exists: false } => new(file.Path, file.Sha256, file.Size, Missing, null, null, null),
                { Ok: false } => new(file.Path, file.Sha256, file.Size, Corrupt, r.ActualSha256, r.ActualSize, null),
                _ => new(file.Path, file.Sha256, file.Size, Ok, r.ActualSha256, r.ActualSize, null),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(file.Path, file.Sha256, file.Size, Unreadable, null, null, e.Message);
        }
    }

    private static void Print(ArtifactVerification r, string root, TextWriter o)
    {
        o.WriteLine($"{r.Model} version {r.Version}: {r.Files.Count} files in {root}");
        foreach (var f in r.Files)
        {
            o.WriteLine($"  {f.Status,-10} {f.Path}");
            switch (f.Status)
            {
                case Corrupt:
                    o.WriteLine($"             expected sha256 {f.Sha256}  {f.Size} bytes");
                    o.WriteLine($"             stored   sha256 {f.ActualSha256}  {f.ActualSize} bytes");
                    break;
                case Missing:
                    o.WriteLine($"             no stored object {f.Sha256}");
                    break;
                case Unreadable:
                    o.WriteLine($"             {f.Error}");
                    break;
            }
        }
        o.WriteLine(r.Ok ? "verify: ok" : $"verify: FAILED ({r.Files.Count(f => f.Status != Ok)} of {r.Files.Count} files)");
    }
}
