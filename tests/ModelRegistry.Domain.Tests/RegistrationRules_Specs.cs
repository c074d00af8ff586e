using System.Text.Json;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Promotion.Rules;
using ModelRegistry.Registration.Rules;

namespace ModelRegistry.Domain.Tests;

public class RegistrationRules_Specs
{
    [Fact]
    public void A_complete_valid_message_is_accepted() => Assert.Null(RegistrationRules.Validate(Valid.Model()));

    [Fact]
    public void A_minimal_valid_message_is_accepted() =>
        Assert.Null(RegistrationRules.Validate(Valid.Model(m => m with
        {
            Description = null,
            Tags = null,
            Artifact = new ArtifactManifest { Files = [Valid.File()] },
            Lineage = new Lineage { TrainingRunId = "r", CodeRepository = "repo", CodeCommit = "abcdef0" },
        })));

    [Fact]
    public void The_first_problem_in_declaration_order_is_reported()
    {
        var refusal = RegistrationRules.Validate(Valid.Model(m => m with { ModelName = "Bad Name", RiskTier = "extreme", Lineage = null }));
        Assert.Equal(RejectionReasons.InvalidName, refusal?.ReasonCode);
        Assert.StartsWith("modelName: ", refusal!.Message, StringComparison.Ordinal);
    }

    // ---- names ----

    [Theory]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("fraud-detector")]
    [InlineData("fraud_detector.v2")]
    [InlineData("9lives")]
    public void Model_names_in_the_charset_are_accepted(string name) =>
        Assert.Null(RegistrationRules.Validate(Valid.Model(m => m with { ModelName = name, OwnerTeam = name })));

    [Theory]
    [InlineData("Fraud")]
    [InlineData("-fraud")]
    [InlineData(".fraud")]
    [InlineData("_fraud")]
    [InlineData("fraud detector")]
    [InlineData("fraud/detector")]
    [InlineData("../fraud")]
    [InlineData("fraud\n")]
    [InlineData("fraud\0")]
    [InlineData("fr\u00e4ud")]
    public void Model_names_outside_the_charset_are_invalid_names(string name)
    {
        AssertRefused(m => m with { ModelName = name }, RejectionReasons.InvalidName, "modelName");
        AssertRefused(m => m with { OwnerTeam = name }, RejectionReasons.InvalidName, "ownerTeam");
    }

    [Fact]
    public void Names_of_100_characters_are_accepted_and_101_are_invalid()
    {
        Assert.Null(RegistrationRules.Validate(Valid.Model(m => m with { ModelName = Valid.Name(100), OwnerTeam = Valid.Name(100) })));
        AssertRefused(m => m with { ModelName = Valid.Name(101) }, RejectionReasons.InvalidName, "modelName");
        AssertRefused(m => m with { OwnerTeam = Valid.Name(101) }, RejectionReasons.InvalidName, "ownerTeam");
    }

    [Fact]
    public void Empty_names_are_missing()
    {
        AssertRefused(m => m with { ModelName = "" }, RejectionReasons.MissingField, "modelName");
        AssertRefused(m => m with { OwnerTeam = "" }, RejectionReasons.MissingField, "ownerTeam");
    }

    // ---- description, tags, risk tier ----

    [Fact]
    public void Description_of_4000_characters_is_accepted_and_4001_is_over_the_limit()
    {
        Assert.Null(RegistrationRules.Validate(Valid.Model(m => m with { Description = Valid.Repeat('d', 4000) })));
        AssertRefused(m => m with { Description = Valid.Repeat('d', 4001) }, RejectionReasons.LimitExceeded, "description");
    }

    // Built in code: xunit would re-encode a lone surrogate in InlineData as U+FFFD.
    public static TheoryData<string> Unstorable => new() { "before\0after", "lone " + (char)0xD800 + " surrogate", "low first " + (char)0xDC00 + (char)0xD800 };

    [Theory]
    [MemberData(nameof(Unstorable), DisableDiscoveryEnumeration = true)]
    public void Text_that_postgresql_cannot_store_is_an_invalid_value(string text)
    {
        Assert.Contains(text, c => c == '\0' || char.IsSurrogate(c));
        AssertRefused(m => m with { Description = text }, RejectionReasons.InvalidValue, "description");
        AssertRefused(m => m with { Tags = new() { ["k"] = text } }, RejectionReasons.InvalidValue, "tags['k']");
        AssertRefused(m => m with { Lineage = Valid.Lineage() with { TrainingRunId = text } }, RejectionReasons.InvalidValue, "lineage.trainingRunId");
        AssertRefused(m => m with { IdempotencyKey = text }, RejectionReasons.InvalidValue, "idempotencyKey");
    }

    [Fact]
    public void Fifty_tags_are_accepted_and_51_are_over_the_limit()
    {
        Assert.Null(RegistrationRules.Validate(Valid.Model(m => m with { Tags = Tags(50) })));
        AssertRefused(m => m with { Tags = Tags(51) }, RejectionReasons.LimitExceeded, "tags");
    }

    [Fact]
    public void Tag_keys_of_64_characters_are_accepted_and_65_are_invalid()
    {
        Assert.Null(RegistrationRules.Validate(Valid.Model(m => m with { Tags = new() { [Valid.Name(64)] = "v" } })));
        AssertRefused(m => m with { Tags = new() { [Valid.Name(65)] = "v" } }, RejectionReasons.InvalidName, "tags[");
    }

    [Theory]
    [InlineData("")]
    [InlineData("Team")]
    [InlineData("a b")]
    [InlineData("-x")]
    public void Tag_keys_outside_the_charset_are_invalid_names(string key) =>
        AssertRefused(m => m with { Tags = new() { [key] = "v" } }, RejectionReasons.InvalidName, "tags[");

    [Fact]
    public void Tag_values_of_256_characters_are_accepted_and_257_are_over_the_limit()
    {
        Assert.Null(RegistrationRules.Validate(Valid.Model(m => m with { Tags = new() { ["k"] = Valid.Repeat('v', 256) } })));
        AssertRefused(m => m with { Tags = new() { ["k"] = Valid.Repeat('v', 257) } }, RejectionReasons.LimitExceeded, "tags['k']");
    }

    [Theory]
    [InlineData("low")]
    [InlineData("medium")]
    [InlineData("high")]
    [InlineData("critical")]
    public void Each_risk_tier_is_accepted(string tier) =>
        Assert.Null(RegistrationRules.Validate(Valid.Model(m => m with { RiskTier = tier })));

    [Theory]
    [InlineData("High")]
    [InlineData("severe")]
    [InlineData(" low")]
    public void Other_risk_tiers_are_invalid_values(string tier) =>
        AssertRefused(m => m with { RiskTier = tier }, RejectionReasons.InvalidValue, "riskTier");

    [Fact]
    public void An_empty_risk_tier_is_missing() => AssertRefused(m => m with { RiskTier = "" }, RejectionReasons.MissingField, "riskTier");

    // ---- manifest ----

    [Fact]
    public void A_missing_or_empty_manifest_is_missing()
    {
        AssertRefused(m => m with { Artifact = null }, RejectionReasons.MissingField, "artifact");
        AssertRefused(m => m with { Artifact = new ArtifactManifest() }, RejectionReasons.MissingField, "artifact.files");
        AssertRefused(m => m with { Artifact = new ArtifactManifest { Files = null! } }, RejectionReasons.MissingField, "artifact.files");
    }

    [Fact]
    public void A_manifest_of_1000_files_is_accepted_and_1001_is_over_the_limit()
    {
        Assert.Null(RegistrationRules.Validate(Valid.Model(m => m with { Artifact = Files(1000) })));
        AssertRefused(m => m with { Artifact = Files(1001) }, RejectionReasons.LimitExceeded, "artifact.files");
    }

    [Theory]
    [InlineData("model.bin", "model.bin")]
    [InlineData("Model.bin", "model.bin")]
    [InlineData("tok/vocab.json", "TOK/vocab.json")]
    public void Duplicate_paths_ignoring_case_are_invalid_values(string first, string second) =>
        AssertRefused(m => m with { Artifact = new() { Files = [Valid.File(first), Valid.File(second)] } },
            RejectionReasons.InvalidValue, "artifact.files[1].path");

    [Fact]
    public void A_path_that_is_both_a_file_and_a_directory_is_an_invalid_value() =>
        AssertRefused(m => m with { Artifact = new() { Files = [Valid.File("tokenizer/vocab/a.json"), Valid.File("tokenizer")] } },
            RejectionReasons.InvalidValue, "artifact.files[0].path");

    [Fact]
    public void A_hostile_manifest_path_is_refused_naming_the_file() =>
        AssertRefused(m => m with { Artifact = new() { Files = [Valid.File(), Valid.File("../../etc/passwd")] } },
            RejectionReasons.HostilePath, "artifact.files[1].path");

    [Theory]
    [InlineData("weights")]
    [InlineData("config")]
    [InlineData("tokenizer")]
    [InlineData("other")]
    public void Each_file_role_is_accepted(string role) =>
        Assert.Null(RegistrationRules.Validate(Valid.Model(m => m with { Artifact = new() { Files = [Valid.File(role: role)] } })));

    [Theory]
    [InlineData("Weights", RejectionReasons.InvalidValue)]
    [InlineData("checkpoint", RejectionReasons.InvalidValue)]
    [InlineData("", RejectionReasons.MissingField)]
    public void Other_file_roles_are_refused(string role, string reason) =>
        AssertRefused(m => m with { Artifact = new() { Files = [Valid.File(role: role)] } }, reason, "artifact.files[0].role");

    [Theory]
    [InlineData("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", RejectionReasons.InvalidValue)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", RejectionReasons.InvalidValue)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", RejectionReasons.InvalidValue)]
    [InlineData("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789", RejectionReasons.InvalidValue)]
    [InlineData("g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", RejectionReasons.InvalidValue)]
    [InlineData("", RejectionReasons.MissingField)]
    public void A_sha256_that_is_not_64_lowercase_hex_digits_is_refused(string sha, string reason) =>
        AssertRefused(m => m with { Artifact = new() { Files = [Valid.File() with { Sha256 = sha }] } }, reason, "artifact.files[0].sha256");

    [Fact]
    public void File_sizes_from_0_to_1_TiB_are_accepted_and_outside_are_refused()
    {
        Assert.Null(RegistrationRules.Validate(Valid.Model(m => m with { Artifact = new() { Files = [Valid.File() with { Size = 0 }] } })));
        Assert.Null(RegistrationRules.Validate(Valid.Model(m => m with { Artifact = new() { Files = [Valid.File() with { Size = 1L << 40 }] } })));
        AssertRefused(m => m with { Artifact = new() { Files = [Valid.File() with { Size = (1L << 40) + 1 }] } },
            RejectionReasons.LimitExceeded, "artifact.files[0].size");
        AssertRefused(m => m with { Artifact = new() { Files = [Valid.File() with { Size = -1 }] } },
            RejectionReasons.InvalidValue, "artifact.files[0].size");
    }

    [Theory]
    [InlineData("s3://bucket/model.bin", RejectionReasons.UnsupportedSource)]
    [InlineData("https://evil.example/model.bin", RejectionReasons.UnsupportedSource)]
    [InlineData("file:///data/in/x.bin#/../../etc/passwd", RejectionReasons.UnsupportedSource)]
    [InlineData("file:///data/in/%2e%2e/%2e%2e/etc/passwd", RejectionReasons.HostilePath)]
    [InlineData("file:///data/in/%252e%252e%252fetc", RejectionReasons.HostilePath)]
    [InlineData("", RejectionReasons.MissingField)]
    public void A_source_uri_that_is_not_acceptable_is_refused_naming_the_file(string uri, string reason) =>
        AssertRefused(m => m with { Artifact = new() { Files = [Valid.File(), Valid.File("b.bin") with { SourceUri = uri }] } },
            reason, "artifact.files[1].sourceUri");

    [Fact]
    public void A_source_uri_outside_any_root_passes_the_syntax_check_the_store_resolves_roots() =>
        Assert.Null(RegistrationRules.Validate(Valid.Model(m => m with
        {
            Artifact = new() { Files = [Valid.File() with { SourceUri = "file:///anywhere/model.bin" }] },
        })));

    // ---- lineage ----

    [Fact]
    public void Lineage_is_required() => AssertRefused(m => m with { Lineage = null }, RejectionReasons.MissingField, "lineage");

    [Fact]
    public void Training_run_id_of_200_characters_is_accepted_and_201_is_over_the_limit()
    {
        Assert.Null(Validate(l => l with { TrainingRunId = Valid.Repeat('r', 200) }));
        AssertLineageRefused(l => l with { TrainingRunId = Valid.Repeat('r', 201) }, RejectionReasons.LimitExceeded, "lineage.trainingRunId");
        AssertLineageRefused(l => l with { TrainingRunId = "" }, RejectionReasons.MissingField, "lineage.trainingRunId");
        AssertLineageRefused(l => l with { TrainingRunId = "   " }, RejectionReasons.MissingField, "lineage.trainingRunId");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("http://pipelines.example.com/runs/1")]
    [InlineData("https://pipelines.example.com:8443/runs/1?tab=metrics#top")]
    public void Training_run_urls_that_are_absolute_http_are_accepted(string? url) =>
        Assert.Null(Validate(l => l with { TrainingRunUrl = url }));

    [Theory]
    [InlineData("ftp://pipelines.example.com/runs/1")]
    [InlineData("file:///etc/passwd")]
    [InlineData("javascript:alert(1)")]
    [InlineData("/runs/1")]
    [InlineData("not a url")]
    [InlineData(" https://pipelines.example.com/runs/1")]
    [InlineData("https://pipelines.example.com/runs/1\n")]
    [InlineData("https://user:secret@pipelines.example.com/runs/1")]
    public void Other_training_run_urls_are_invalid_values(string url) =>
        AssertLineageRefused(l => l with { TrainingRunUrl = url }, RejectionReasons.InvalidValue, "lineage.trainingRunUrl");

    [Fact]
    public void Training_run_url_of_2000_characters_is_accepted_and_2001_is_over_the_limit()
    {
        const string Prefix = "https://pipelines.example.com/";
        Assert.Null(Validate(l => l with { TrainingRunUrl = Prefix + Valid.Repeat('x', 2000 - Prefix.Length) }));
        AssertLineageRefused(l => l with { TrainingRunUrl = Prefix + Valid.Repeat('x', 2001 - Prefix.Length) },
            RejectionReasons.LimitExceeded, "lineage.trainingRunUrl");
    }

    [Fact]
    public void Code_repository_of_500_characters_is_accepted_and_501_is_over_the_limit()
    {
        Assert.Null(Validate(l => l with { CodeRepository = Valid.Repeat('c', 500) }));
        AssertLineageRefused(l => l with { CodeRepository = Valid.Repeat('c', 501) }, RejectionReasons.LimitExceeded, "lineage.codeRepository");
        AssertLineageRefused(l => l with { CodeRepository = "" }, RejectionReasons.MissingField, "lineage.codeRepository");
    }

    [Theory]
    [InlineData("abcdef0")]
    [InlineData("ABCDEF0")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Code_commits_of_7_to_64_hex_digits_are_accepted(string commit) =>
        Assert.Null(Validate(l => l with { CodeCommit = commit }));

    [Theory]
    [InlineData("abcdef")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0")]
    [InlineData("ghijklm")]
    [InlineData("abcdef0 ")]
    [InlineData("main")]
    public void Other_code_commits_are_invalid_values(string commit) =>
        AssertLineageRefused(l => l with { CodeCommit = commit }, RejectionReasons.InvalidValue, "lineage.codeCommit");

    [Fact]
    public void Hundred_datasets_are_accepted_and_101_are_over_the_limit()
    {
        Assert.Null(Validate(l => l with { Datasets = Datasets(100) }));
        AssertLineageRefused(l => l with { Datasets = Datasets(101) }, RejectionReasons.LimitExceeded, "lineage.datasets");
    }

    [Fact]
    public void A_dataset_version_listed_twice_is_refused_but_two_versions_of_one_dataset_are_fine()
    {
        var d = Valid.Lineage().Datasets[0];
        Assert.Null(Validate(l => l with { Datasets = [d, d with { Version = d.Version + "-b" }] }));
        AssertLineageRefused(l => l with { Datasets = [d, d with { Digest = "sha256:other" }] }, RejectionReasons.InvalidValue, "lineage.datasets[1]");
    }

    [Fact]
    public void Dataset_fields_are_required_and_bounded()
    {
        var d = Valid.Lineage().Datasets[0];
        Assert.Null(Validate(l => l with
        {
            Datasets = [d with { Name = Valid.Repeat('n', 200), Version = Valid.Repeat('v', 100), Digest = Valid.Repeat('d', 200) }],
        }));
        AssertLineageRefused(l => l with { Datasets = [d, d with { Name = Valid.Repeat('n', 201) }] }, RejectionReasons.LimitExceeded, "lineage.datasets[1].name");
        AssertLineageRefused(l => l with { Datasets = [d with { Version = Valid.Repeat('v', 101) }] }, RejectionReasons.LimitExceeded, "lineage.datasets[0].version");
        AssertLineageRefused(l => l with { Datasets = [d with { Digest = Valid.Repeat('d', 201) }] }, RejectionReasons.LimitExceeded, "lineage.datasets[0].digest");
        AssertLineageRefused(l => l with { Datasets = [d with { Name = "" }] }, RejectionReasons.MissingField, "lineage.datasets[0].name");
        AssertLineageRefused(l => l with { Datasets = [d with { Version = "" }] }, RejectionReasons.MissingField, "lineage.datasets[0].version");
        AssertLineageRefused(l => l with { Datasets = [d with { Digest = "" }] }, RejectionReasons.MissingField, "lineage.datasets[0].digest");
        AssertLineageRefused(l => l with { Datasets = [null!] }, RejectionReasons.MissingField, "lineage.datasets[0]");
    }

    [Fact]
    public void Base_model_is_optional_but_must_name_a_version()
    {
        Assert.Null(Validate(l => l with { BaseModel = null }));
        Assert.Null(Validate(l => l with { BaseModel = new() { Name = "base", Version = 1 } }));
        AssertLineageRefused(l => l with { BaseModel = new() { Name = "base", Version = 0 } }, RejectionReasons.InvalidValue, "lineage.baseModel.version");
        AssertLineageRefused(l => l with { BaseModel = new() { Name = "Base Model", Version = 1 } }, RejectionReasons.InvalidName, "lineage.baseModel.name");
        AssertLineageRefused(l => l with { BaseModel = new() { Name = "", Version = 1 } }, RejectionReasons.MissingField, "lineage.baseModel.name");
    }

    [Fact]
    public void Two_hundred_hyperparameters_are_accepted_and_201_are_over_the_limit()
    {
        Assert.Null(Validate(l => l with { Hyperparameters = Hyperparameters(200) }));
        AssertLineageRefused(l => l with { Hyperparameters = Hyperparameters(201) }, RejectionReasons.LimitExceeded, "lineage.hyperparameters");
    }

    [Fact]
    public void Hyperparameters_of_64_KiB_serialized_are_accepted_and_one_byte_more_is_over_the_limit()
    {
        // {"k":"xxx...x"} is 8 bytes plus the x's.
        static Dictionary<string, JsonElement> Sized(int bytes) => new() { ["k"] = JsonSerializer.SerializeToElement(Valid.Repeat('x', bytes - 8)) };
        Assert.Equal(65536, JsonSerializer.SerializeToUtf8Bytes(Sized(65536)).Length);
        Assert.Null(Validate(l => l with { Hyperparameters = Sized(65536) }));
        AssertLineageRefused(l => l with { Hyperparameters = Sized(65537) }, RejectionReasons.LimitExceeded, "lineage.hyperparameters");
    }

    [Theory]
    [InlineData("\"a\\u0000b\"")]
    [InlineData("{\"nested\": [\"\\u0000\"]}")]
    [InlineData("{\"a\\u0000\": 1}")]
    [InlineData("\"\\ud800\"")]
    public void Hyperparameters_that_jsonb_cannot_store_are_invalid_values(string json) =>
        AssertLineageRefused(l => l with { Hyperparameters = new() { ["p"] = Valid.Json(json) } }, RejectionReasons.InvalidValue, "lineage.hyperparameters['p']");

    [Fact]
    public void A_hyperparameter_without_a_json_value_is_an_invalid_value() =>
        AssertLineageRefused(l => l with { Hyperparameters = new() { ["p"] = default } }, RejectionReasons.InvalidValue, "lineage.hyperparameters['p']");

    // ---- time and idempotency ----

    [Fact]
    public void Trained_at_is_required() => AssertRefused(m => m with { TrainedAt = default }, RejectionReasons.MissingField, "trainedAt");

    [Fact]
    public void Idempotency_key_of_200_characters_is_accepted_and_201_is_over_the_limit()
    {
        Assert.Null(RegistrationRules.Validate(Valid.Model(m => m with { IdempotencyKey = Valid.Repeat('k', 200) })));
        AssertRefused(m => m with { IdempotencyKey = Valid.Repeat('k', 201) }, RejectionReasons.LimitExceeded, "idempotencyKey");
    }

    [Fact]
    public void The_idempotency_key_is_the_pipelines_when_given() =>
        Assert.Equal("pipeline-key-7", RegistrationRules.IdempotencyKey(Valid.Model(m => m with { IdempotencyKey = "pipeline-key-7" })));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void The_idempotency_key_is_run_id_and_model_name_otherwise(string? key) =>
        Assert.Equal("run-1:fraud-detector", RegistrationRules.IdempotencyKey(Valid.Model(m => m with { IdempotencyKey = key })));

    private static Rejection? Validate(Func<Lineage, Lineage> change) =>
        RegistrationRules.Validate(Valid.Model(m => m with { Lineage = change(Valid.Lineage()) }));

    private static void AssertLineageRefused(Func<Lineage, Lineage> change, string reason, string field) =>
        AssertRefused(m => m with { Lineage = change(Valid.Lineage()) }, reason, field);

    private static void AssertRefused(Func<ModelTrained, ModelTrained> change, string reason, string field)
    {
        var refusal = RegistrationRules.Validate(Valid.Model(change));
        Assert.Equal(reason, refusal?.ReasonCode);
        Assert.StartsWith(field, refusal!.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Tags(int count) =>
        Enumerable.Range(0, count).ToDictionary(i => $"tag{i}", i => $"value {i}");

    private static ArtifactManifest Files(int count) =>
        new() { Files = Enumerable.Range(0, count).Select(i => Valid.File($"shards/model-{i:D5}.safetensors")).ToList() };

    private static List<DatasetRef> Datasets(int count) =>
        Enumerable.Range(0, count).Select(i => new DatasetRef { Name = $"d{i}", Version = "1", Digest = "sha256:x" }).ToList();

    private static Dictionary<string, JsonElement> Hyperparameters(int count) =>
        Enumerable.Range(0, count).ToDictionary(i => $"p{i}", i => JsonSerializer.SerializeToElement(i));
}
