using System.Diagnostics;
using System.Security.Cryptography;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Artifacts;

namespace ModelRegistry.Benchmarks;

/// <summary>Artifact ingest throughput against sha256sum of the same file, alternating so both see the same cache.</summary>
internal static class IngestBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var mib = Args.Int(args, "--mib", 1024);
        var rounds = Args.Int(args, "--rounds", 3);
        var work = Path.Combine(Path.GetTempPath(), "mreg-bench-ingest-" + Guid.NewGuid().ToString("N")[..8]);
        var incoming = Path.Combine(work, "incoming");
        Directory.CreateDirectory(incoming);
        try
        {
            var file = Path.Combine(incoming, "weights.bin");
            var sha = await WriteRandomFileAsync(file, mib);
            Console.WriteLine($"ingest: {mib} MiB file, {rounds} rounds, fsync on");
            var ours = new List<double>();
            var reference = new List<double>();
            for (var round = 1; round <= rounds; round++)
            {
                var sum = await Sha256sumAsync(file, sha);
                var store = new ContentAddressedStore(new ArtifactStoreOptions
                {
                    Root = Path.Combine(work, $"store-{round}"),
                    AllowedSourceRoots = [incoming],
                    Fsync = true,
                });
                var start = Stopwatch.GetTimestamp();
                var result = await store.IngestAsync(new ArtifactFile
                {
                    Path = "weights.bin", Role = "weights", Sha256 = sha, Size = (long)mib << 20, SourceUri = new Uri(file).AbsoluteUri,
                }, "bench", CancellationToken.None);
                var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                if (result.Refusal is not null) throw new InvalidOperationException(result.Refusal.Message);
                var rate = mib / seconds;
                Console.WriteLine($"round {round}: ingest {rate,7:F0} MiB/s | sha256sum {mib / sum,7:F0} MiB/s | ratio {rate / (mib / sum):F3}");
                ours.Add(rate);
                reference.Add(mib / sum);
                Directory.Delete(Path.Combine(work, $"store-{round}"), recursive: true);
            }
            Console.WriteLine($"median: ingest {Args.Median(ours):F0} MiB/s, sha256sum {Args.Median(reference):F0} MiB/s, ratio {Args.Median(ours.Zip(reference, (o, r) => o / r)):F3}");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<string> WriteRandomFileAsync(string path, int mib)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        await using var stream = File.Create(path);
        for (var i = 0; i < mib; i++)
        {
            Random.Shared.NextBytes(buffer);
            hash.AppendData(buffer);
            await stream.WriteAsync(buffer);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task<double> Sha256sumAsync(string file, string expected)
    {
        var info = new ProcessStartInfo("sha256sum", [file]) { RedirectStandardOutput = true };
        var start = Stopwatch.GetTimestamp();
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (!output.StartsWith(expected, StringComparison.Ordinal)) throw new InvalidOperationException($"sha256sum disagrees: {output}");
        return seconds;
    }
}
