using ModelRegistry.Contracts;
using ModelRegistry.Registration.Rules;

namespace ModelRegistry.Domain.Tests;

public class ManifestDigest_Specs
{
    private static readonly ArtifactFile[] Files =
    [
        File("tokenizer/vocab.json", "tokenizer", new string('a', 64), 0),
        File("model.safetensors", "weights", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 1L << 40),
        File("config.json", "config", new string('f', 64), 120),
    ];

    [Fact]
    public void The_canonical_form_is_pinned_by_a_known_vector()
    {
        // Computed independently:
        // python3 -c 'import hashlib
        // files=[("tokenizer/vocab.json","tokenizer","a"*64,0),
        //        ("model.safetensors","weights","0123456789abcdef"*4,1099511627776),
        //        ("config.json","config","f"*64,120)]
        // print("sha256:"+hashlib.sha256(b"".join(f"{p}\n{r}\n{s}\n{n}\n".encode() for p,r,s,n in sorted(files))).hexdigest())'
        Assert.Equal("sha256:9f531f87af609749f446bda6e34b2911117bacdd5f921f523a63102abdb59338", ManifestDigest.Compute(Files));
    }

    [Fact]
    public void Paths_sort_by_ordinal_byte_order_not_by_culture()
    {
        // Ordinal: "B" < "a.x" < "a/x" (0x42 < 0x61; '.' 0x2E < '/' 0x2F). Computed the same way:
        // python3 -c 'import hashlib
        // files=[("a/x","other","1"*64,1),("a.x","other","2"*64,2),("B","config","3"*64,3)]
        // print("sha256:"+hashlib.sha256(b"".join(f"{p}\n{r}\n{s}\n{n}\n".encode() for p,r,s,n in sorted(files))).hexdigest())'
        ArtifactFile[] files =
        [
            File("a/x", "other", new string('1', 64), 1),
            File("a.x", "other", new string('2', 64), 2),
            File("B", "config", new string('3', 64), 3),
        ];
        Assert.Equal("sha256:1e3600ac0647e9b805ef5be477dd62c26a5bd82649d72926e967979217f305d5", ManifestDigest.Compute(files));
    }

    [Fact]
    public void An_empty_manifest_hashes_the_empty_string() =>
        Assert.Equal("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ManifestDigest.Compute([]));

    [Fact]
    public void The_digest_does_not_depend_on_the_order_of_the_files()
    {
        var expected = ManifestDigest.Compute(Files);
        int[][] orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
        foreach (var order in orders)
        {
            Assert.Equal(expected, ManifestDigest.Compute(order.Select(i => Files[i])));
        }
    }

    [Fact]
    public void Every_canonical_field_changes_the_digest_and_the_source_uri_does_not()
    {
        var original = ManifestDigest.Compute(Files);
        ArtifactFile Changed(Func<ArtifactFile, ArtifactFile> change) => change(Files[1]);
        string With(ArtifactFile replacement) => ManifestDigest.Compute([Files[0], replacement, Files[2]]);

        Assert.NotEqual(original, With(Changed(f => f with { Path = "model2.safetensors" })));
        Assert.NotEqual(original, With(Changed(f => f with { Role = "other" })));
        Assert.NotEqual(original, With(Changed(f => f with { Sha256 = new string('b', 64) })));
        Assert.NotEqual(original, With(Changed(f => f with { Size = (1L << 40) - 1 })));
        Assert.Equal(original, With(Changed(f => f with { SourceUri = "file:///elsewhere/model.safetensors" })));
    }

    [Fact]
    public void The_digest_is_sha256_prefixed_lowercase_hex() =>
        Assert.Matches("^sha256:[0-9a-f]{64}\\z", ManifestDigest.Compute(Files));

    private static ArtifactFile File(string path, string role, string sha256, long size) =>
        new() { Path = path, Role = role, Sha256 = sha256, Size = size, SourceUri = $"file:///data/in/{path}" };
}
