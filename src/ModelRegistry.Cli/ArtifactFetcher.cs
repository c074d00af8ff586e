using System.Text.Json;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Registration;
using ModelRegistry.Registration.Rules;

namespace ModelRegistry.Cli;

/// <summary>One file of a fetched version, as its manifest names it.</summary>
public sealed record FetchedFile(string Path, string Role, string Sha256, long Size);

/// <summary>What <c>mreg artifact fetch</c> writes to <c>mreg-manifest.json</c>: the version and its files, every one verified.</summary>
public sealed record FetchedManifest(string Model, int Version, Guid VersionId, string ManifestDigest, IReadOnlyList<FetchedFile> Files);

/// <summary>
/// Gets a version's bytes out of the artifact store into a folder (docs/deployments.md, "Getting the bytes"): every file
/// at its manifest path, each verified while written (<see cref="IArtifactStore.CopyVerifiedAsync"/>), and the set checked
/// to reproduce the version's manifest digest. Shared by <c>mreg artifact fetch</c> and <c>mreg reproduce</c>.
/// </summary>
internal static class ArtifactFetcher
{
    public const string ManifestFileName = "mreg-manifest.json";

    /// <summary>
    /// Makes <paramref name="directory"/> (an absolute path) ready: created when missing; a folder with anything in it is
    /// refused unless <paramref name="force"/> (then the version's files in it are replaced, nothing else is touched).
    /// </summary>
    public static string? PrepareDirectory(string directory, bool force)
    {
        if (File.Exists(directory)) return $"{directory} is a file, not a folder";
        if (Directory.Exists(directory) && !force && Directory.EnumerateFileSystemEntries(directory).Any())
            return $"{directory} is not empty: give a new or empty folder, or --force to replace the version's files in it (nothing else is removed)";
        Directory.CreateDirectory(directory);
        return null;
    }

    /// <summary>
    /// Writes every file of the version under <paramref name="directory"/> (which exists). Stops at the first file that
    /// cannot be written or does not verify: the problem names it, and no bad bytes are left at its path (files already
    /// written are verified ones). <paramref name="progress"/> gets one line per file written.
    /// </summary>
    public static async Task<(FetchedManifest? Manifest, string? Problem)> FetchAsync(IArtifactStore store, string model, int version, Guid versionId,
        string manifestDigest, IReadOnlyList<VersionFile> files, string directory, bool replace, TextWriter? progress, CancellationToken ct)
    {
        var declared = ManifestDigest.Compute(files.Select(f => Manifested(f.Path, f.Role, f.Sha256, f.Size)));
        if (declared != manifestDigest)
            return (null, $"the registry's file records of {model} version {version} hash to {declared}, not to its manifest digest {manifestDigest}: "
                + "they were changed behind the registry's back; nothing was written");

        var fetched = new List<FetchedFile>(files.Count);
        foreach (var file in files)
        {
            CopyResult copy;
            try
            {
                copy = await store.CopyVerifiedAsync(file.Sha256, file.Size, directory, file.Path, replace, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (null, $"{file.Path}: cannot be written under {directory}: {e.Message}");
            }
            if (Problem(file, copy, model, version) is { } problem) return (null, problem);
            fetched.Add(new FetchedFile(file.Path, file.Role, copy.ActualSha256, copy.ActualSize));
            progress?.WriteLine($"  ok  {file.Path}  {copy.ActualSize} bytes  sha256 {copy.ActualSha256}");
        }

        // The bytes written, not the rows read, must give the version's digest: the end-to-end statement that this is the artifact.
        var written = ManifestDigest.Compute(fetched.Select(f => Manifested(f.Path, f.Role, f.Sha256, f.Size)));
        if (written != manifestDigest)
            return (null, $"the files written hash to manifest digest {written}, not {manifestDigest}");
        return (new FetchedManifest(model, version, versionId, manifestDigest, fetched), null);
    }

    private static string? Problem(VersionFile file, CopyResult copy, string model, int version)
    {
        if (copy.Refusal is { } refused) return $"{file.Path}: refused to write it: {refused.Message}";
        if (!copy.Exists)
            return $"{file.Path}: the stored object {file.Sha256} is missing from the artifact store; nothing was written at its path";
        if (!copy.Ok)
            return $"CORRUPT {file.Path}: the stored bytes hash to sha256 {copy.ActualSha256} ({copy.ActualSize} bytes), the manifest says sha256 "
                + $"{file.Sha256} ({file.Size} bytes); nothing was written at its path (see `mreg artifact verify {model} {version}`)";
        return null;
    }

    /// <summary>Writes <paramref name="value"/> as JSON to <paramref name="path"/> under a temp name first, so a reader sees all of it or none.</summary>
    public static async Task WriteJsonAsync<T>(string path, T value, CancellationToken ct)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.partial";
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                await JsonSerializer.SerializeAsync(stream, value, CliJson.Options, ct);
                await stream.WriteAsync("\n"u8.ToArray(), ct);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static ArtifactFile Manifested(string path, string role, string sha256, long size) =>
        new() { Path = path, Role = role, Sha256 = sha256, Size = size };
}
