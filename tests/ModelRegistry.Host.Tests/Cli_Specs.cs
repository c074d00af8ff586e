using System.CommandLine;
using System.Text;
using System.Text.Json;
using ModelRegistry.Cli;
using MassTransit;
using ModelRegistry.Platform;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;
using RabbitMQ.Client;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// The read commands against a registry seeded through the stores (see <see cref="CliSeed"/>), and the error-queue
/// commands against the real broker. Commands run in-process; assertions are on their JSON and exit codes.
/// </summary>
public class Cli_Specs(CliSeed seed) : IClassFixture<CliSeed>
{
    private const string Queue = "probe";
    private const string ErrorQueue = "probe_error";
    private static readonly string[] MessageTypes = ["urn:message:ModelRegistry.Contracts:RunProbe"];

    [Fact]
    public async Task Models_list_filters_by_team_and_by_every_given_tag()
    {
        Assert.Equal(["detector", "sentiment", "sentiment-ft", "verify-me"], await ListNamesAsync(null));
        Assert.Equal(["sentiment", "sentiment-ft"], await ListNamesAsync(null, "domain=text"));
        Assert.Equal(["detector", "sentiment"], await ListNamesAsync(null, "stage=prod"));
        Assert.Equal(["sentiment"], await ListNamesAsync(null, "domain=text", "stage=prod"));
        Assert.Equal(["sentiment", "sentiment-ft"], await ListNamesAsync("nlp"));
        Assert.Equal(["sentiment-ft"], await ListNamesAsync("nlp", "stage=dev"));
        Assert.Empty(await ListNamesAsync("vision", "domain=text"));
        // Version 1 of sentiment carried experiment=baseline; a model's tags are those of its latest registration.
        Assert.Empty(await ListNamesAsync(null, "experiment=baseline"));

        var (exit, json, _) = await RunAsync(w => ModelsCommand.ListAsync(seed.Settings, [], "nlp", json: true, w, default));
        Assert.Equal(0, exit);
        var sentiment = json.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "sentiment");
        Assert.Equal("nlp", sentiment.GetProperty("ownerTeam").GetString());
        Assert.Equal("high", sentiment.GetProperty("riskTier").GetString());
        Assert.Equal(2, sentiment.GetProperty("latestVersion").GetInt32());
        Assert.Equal(2, sentiment.GetProperty("versionCount").GetInt32());

        var (badExit, _, badOutput) = await RunAsync(w => ModelsCommand.ListAsync(seed.Settings, ["stage"], null, json: true, w, default));
        Assert.Equal(2, badExit);
        Assert.Empty(badOutput);
    }

    [Fact]
    public async Task Models_show_gives_the_current_tags_and_every_version()
    {
        var (exit, json, _) = await RunAsync(w => ModelsCommand.ShowAsync(seed.Settings, "sentiment", json: true, w, default));

        Assert.Equal(0, exit);
        Assert.Equal("nlp", json.GetProperty("ownerTeam").GetString());
        Assert.Equal("""{"domain":"text","stage":"prod"}""", json.GetProperty("tags").GetRawText().Replace(" ", "").Replace("\n", ""));
        var versions = json.GetProperty("versions").EnumerateArray().ToList();
        Assert.Equal([1, 2], versions.Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal(["run-1", "run-2"], versions.Select(v => v.GetProperty("trainingRunId").GetString()));
        Assert.Equal(seed.Versions["sentiment/2"].ManifestDigest, versions[1].GetProperty("manifestDigest").GetString());

        // Each version keeps the tags it was registered with.
        var (_, first, _) = await RunAsync(w => VersionsCommand.ShowAsync(seed.Settings, "sentiment", 1, json: true, w, default));
        Assert.Equal("baseline", first.GetProperty("tags").GetProperty("experiment").GetString());
    }

    [Fact]
    public async Task Models_show_of_an_unknown_model_exits_1_and_prints_nothing()
    {
        var (exit, _, output) = await RunAsync(w => ModelsCommand.ShowAsync(seed.Settings, "no-such-model", json: true, w, default));

        Assert.Equal(1, exit);
        Assert.Empty(output);
    }

    [Fact]
    public async Task Versions_show_gives_files_lineage_tags_and_evaluations()
    {
        var (exit, v, _) = await RunAsync(w => VersionsCommand.ShowAsync(seed.Settings, "sentiment", 2, json: true, w, default));

        Assert.Equal(0, exit);
        Assert.Equal(seed.Versions["sentiment/2"].ModelVersionId, v.GetProperty("versionId").GetGuid());
        Assert.Equal(seed.Versions["sentiment/2"].ManifestDigest, v.GetProperty("manifestDigest").GetString());
        Assert.Equal("prod", v.GetProperty("tags").GetProperty("stage").GetString());

        var expectedFiles = seed.Files["sentiment/2"].OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        var files = v.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(expectedFiles.Select(f => f.Path), files.Select(f => f.GetProperty("path").GetString()));
        Assert.Equal(expectedFiles.Select(f => f.Role), files.Select(f => f.GetProperty("role").GetString()));
        Assert.Equal(expectedFiles.Select(f => f.Sha256), files.Select(f => f.GetProperty("sha256").GetString()));
        Assert.Equal(expectedFiles.Select(f => f.Size), files.Select(f => f.GetProperty("size").GetInt64()));
        Assert.Equal(expectedFiles.Select(f => f.SourceUri), files.Select(f => f.GetProperty("sourceUri").GetString()));

        var lineage = v.GetProperty("lineage");
        Assert.Equal("run-2", lineage.GetProperty("trainingRunId").GetString());
        Assert.Equal("https://pipelines.example/runs/run-2", lineage.GetProperty("trainingRunUrl").GetString());
        Assert.Equal("https://git.example/ml/models", lineage.GetProperty("codeRepository").GetString());
        Assert.Equal(40, lineage.GetProperty("codeCommit").GetString()!.Length);
        Assert.Equal(["reviews 2024-06", "tweets v3"],
            lineage.GetProperty("datasets").EnumerateArray().Select(d => $"{d.GetProperty("name").GetString()} {d.GetProperty("version").GetString()}"));
        Assert.All(lineage.GetProperty("datasets").EnumerateArray(), d => Assert.StartsWith("sha256:", d.GetProperty("digest").GetString()));
        Assert.Equal(JsonValueKind.Null, lineage.GetProperty("baseModel").ValueKind);
        Assert.Equal(0.001, lineage.GetProperty("hyperparameters").GetProperty("lr").GetDouble());
        Assert.Equal("adamw", lineage.GetProperty("hyperparameters").GetProperty("optimizer").GetString());

        var evaluations = v.GetProperty("evaluations").EnumerateArray().ToDictionary(e => e.GetProperty("suite").GetString()!);
        Assert.Equal(["accuracy-v2", "toxicity"], evaluations.Keys.Order());
        var accuracy = evaluations["accuracy-v2"];
        Assert.Equal(0.91, accuracy.GetProperty("metrics").GetProperty("accuracy").GetDouble());
        Assert.Equal(0.88, accuracy.GetProperty("metrics").GetProperty("f1").GetDouble());
        Assert.Equal("medium", accuracy.GetProperty("maxFindingSeverity").GetString());
        Assert.Equal("reviews-holdout", accuracy.GetProperty("dataset").GetProperty("name").GetString());
        Assert.Equal(0.02, evaluations["toxicity"].GetProperty("metrics").GetProperty("toxicity_rate").GetDouble());
        Assert.Equal("none", evaluations["toxicity"].GetProperty("maxFindingSeverity").GetString());
        Assert.Equal(JsonValueKind.Null, evaluations["toxicity"].GetProperty("dataset").ValueKind);
        // What the gates check besides metrics: bias slices and security findings (worst first), numbers without float noise.
        Assert.Equal("0.3", evaluations["toxicity"].GetProperty("metrics").GetProperty("refusal_rate").GetRawText());
        Assert.Equal([("gender", "demographic_parity_difference", "0.031"), ("age", "demographic_parity_difference", "-0.02")],
            evaluations["toxicity"].GetProperty("biasAssessments").EnumerateArray()
                .Select(b => (b.GetProperty("attribute").GetString(), b.GetProperty("metric").GetString(), b.GetProperty("value").GetRawText())));
        Assert.Empty(evaluations["toxicity"].GetProperty("securityFindings").EnumerateArray());
        Assert.Equal([("PROMPT-7", "medium", "prompt injection"), ("PICKLE-1", "low", "pickle import")],
            accuracy.GetProperty("securityFindings").EnumerateArray()
                .Select(f => (f.GetProperty("id").GetString(), f.GetProperty("severity").GetString(), f.GetProperty("title").GetString())));

        // The human form carries the same facts.
        var (_, _, text) = await RunAsync(w => VersionsCommand.ShowAsync(seed.Settings, "sentiment", 2, json: false, w, default));
        Assert.Contains("tweets v3", text, StringComparison.Ordinal);
        Assert.Contains("accuracy-v2", text, StringComparison.Ordinal);
        Assert.Matches(@"\n\s+refusal_rate\s+0\.3\n", text);
        Assert.Matches(@"\n\s+bias\s+age\s+demographic_parity_difference\s+-0\.02\n", text);
        Assert.Matches(@"\n\s+finding\s+medium\s+PROMPT-7\s+prompt injection\n", text);
    }

    [Fact]
    public async Task Versions_show_of_a_fine_tune_names_its_base_model()
    {
        var (exit, v, _) = await RunAsync(w => VersionsCommand.ShowAsync(seed.Settings, "sentiment-ft", 1, json: true, w, default));

        Assert.Equal(0, exit);
        var baseModel = v.GetProperty("lineage").GetProperty("baseModel");
        Assert.Equal("sentiment", baseModel.GetProperty("name").GetString());
        Assert.Equal(1, baseModel.GetProperty("version").GetInt32());
        Assert.Empty(v.GetProperty("evaluations").EnumerateArray());
    }

    [Fact]
    public async Task Versions_show_of_an_unknown_version_or_model_exits_1()
    {
        Assert.Equal(1, (await RunAsync(w => VersionsCommand.ShowAsync(seed.Settings, "sentiment", 3, json: true, w, default))).Exit);
        Assert.Equal(1, (await RunAsync(w => VersionsCommand.ShowAsync(seed.Settings, "no-such-model", 1, json: true, w, default))).Exit);
    }

    [Fact]
    public async Task Artifact_verify_rehashes_the_stored_bytes_and_reports_corrupt_and_missing_objects()
    {
        var files = seed.Files["verify-me/1"].ToDictionary(f => f.Path);
        var (exit, report, _) = await VerifyAsync();
        Assert.Equal(0, exit);
        Assert.True(report.GetProperty("ok").GetBoolean());
        Assert.Equal(["config.json:ok", "vocab.txt:ok", "weights.bin:ok"], Statuses(report));

        // One flipped bit, same size: only a re-hash can see it.
        var weights = seed.Store.ObjectPath(files["weights.bin"].Sha256);
        var bytes = await File.ReadAllBytesAsync(weights);
        bytes[0] ^= 0x01;
        File.Delete(weights); // the store may keep objects read-only
        await File.WriteAllBytesAsync(weights, bytes);

        (exit, report, _) = await VerifyAsync();
        Assert.Equal(1, exit);
        Assert.False(report.GetProperty("ok").GetBoolean());
        Assert.Equal(["config.json:ok", "vocab.txt:ok", "weights.bin:CORRUPT"], Statuses(report));
        var corrupt = report.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("path").GetString() == "weights.bin");
        Assert.Equal(files["weights.bin"].Sha256, corrupt.GetProperty("sha256").GetString());
        Assert.NotEqual(files["weights.bin"].Sha256, corrupt.GetProperty("actualSha256").GetString());
        Assert.Equal(files["weights.bin"].Size, corrupt.GetProperty("actualSize").GetInt64());

        File.Delete(seed.Store.ObjectPath(files["vocab.txt"].Sha256));

        (exit, report, _) = await VerifyAsync();
        Assert.Equal(1, exit);
        Assert.Equal(["config.json:ok", "vocab.txt:MISSING", "weights.bin:CORRUPT"], Statuses(report));

        var (_, _, text) = await RunAsync(w => ArtifactCommand.VerifyAsync(seed.Settings, "verify-me", 1, json: false, w, default));
        Assert.Contains("MISSING", text, StringComparison.Ordinal);
        Assert.Contains("verify: FAILED (2 of 3 files)", text, StringComparison.Ordinal);

        Assert.Equal(1, (await RunAsync(w => ArtifactCommand.VerifyAsync(seed.Settings, "verify-me", 2, json: true, w, default))).Exit);

        Task<(int Exit, JsonElement Json, string Text)> VerifyAsync() =>
            RunAsync(w => ArtifactCommand.VerifyAsync(seed.Settings, "verify-me", 1, json: true, w, default));
        static List<string> Statuses(JsonElement r) => r.GetProperty("files").EnumerateArray()
            .Select(f => $"{f.GetProperty("path").GetString()}:{f.GetProperty("status").GetString()}").ToList();
    }

    [Fact]
    public async Task Errors_list_shows_the_fault_of_each_message_and_leaves_them_in_the_queue()
    {
        await using var connection = await seed.ConnectAsync();
        // Publisher confirms: each fault is in the queue before the command under test looks.
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        await ResetQueuesAsync(channel);
        var first = await PublishFaultAsync(channel, 1);
        var second = await PublishFaultAsync(channel, 2);

        foreach (var _ in new[] { "first listing", "second listing" })
        {
            var (exit, listing, _) = await RunAsync(w => ErrorsCommand.ListAsync(seed.WorkersSettings, Queue, 20, json: true, w, default));
            Assert.Equal(0, exit);
            Assert.Equal(ErrorQueue, listing.GetProperty("queue").GetString());
            Assert.Equal(2, listing.GetProperty("messages").GetInt32());
            var shown = listing.GetProperty("shown").EnumerateArray().ToList();
            Assert.Equal([first, second], shown.Select(m => m.GetProperty("messageId").GetString()));
            var m = shown[0];
            Assert.Equal("urn:message:ModelRegistry.Contracts:RunProbe", m.GetProperty("messageType").GetString());
            Assert.Equal("probe 1 failed on purpose", m.GetProperty("faultMessage").GetString());
            Assert.Equal("System.InvalidOperationException", m.GetProperty("exceptionType").GetString());
            Assert.Equal("2025-01-02T03:04:05.0000000Z", m.GetProperty("faultTimestamp").GetString());
            Assert.Equal(2, m.GetProperty("redeliveryCount").GetInt64());
            Assert.Equal(ErrorsCommand.BodyPreviewChars, m.GetProperty("body").GetString()!.Length);
            Assert.StartsWith("{\"messageId\":\"" + first + "\"", m.GetProperty("body").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(2u, await DepthAsync(channel, ErrorQueue));

        var (_, limited, _) = await RunAsync(w => ErrorsCommand.ListAsync(seed.WorkersSettings, Queue, 1, json: true, w, default));
        Assert.Equal([first], limited.GetProperty("shown").EnumerateArray().Select(m => m.GetProperty("messageId").GetString()));
        Assert.Equal(2u, await DepthAsync(channel, ErrorQueue));

        var (_, _, text) = await RunAsync(w => ErrorsCommand.ListAsync(seed.WorkersSettings, Queue, 20, json: false, w, default));
        Assert.Contains("System.InvalidOperationException: probe 2 failed on purpose", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_replay_moves_messages_to_the_worker_queue_without_the_fault_headers()
    {
        await using var connection = await seed.ConnectAsync();
        // Publisher confirms: each fault is in the queue before the command under test looks.
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        await ResetQueuesAsync(channel);
        var ids = new[] { await PublishFaultAsync(channel, 1), await PublishFaultAsync(channel, 2), await PublishFaultAsync(channel, 3) };

        var (exit, replay, _) = await RunAsync(w => ErrorsCommand.ReplayAsync(seed.WorkersSettings, Queue, 1, null, json: true, w, default));
        Assert.Equal(0, exit);
        Assert.Equal(1, replay.GetProperty("replayed").GetInt32());
        Assert.Equal(2u, await DepthAsync(channel, ErrorQueue));

        (exit, replay, _) = await RunAsync(w => ErrorsCommand.ReplayAsync(seed.WorkersSettings, Queue, null, null, json: true, w, default));
        Assert.Equal(0, exit);
        Assert.Equal([ids[1], ids[2]], replay.GetProperty("messageIds").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal(0u, await DepthAsync(channel, ErrorQueue));
        Assert.Equal(3u, await DepthAsync(channel, Queue));

        for (var n = 0; n < 3; n++)
        {
            var message = await channel.BasicGetAsync(Queue, autoAck: true);
            Assert.NotNull(message);
            var p = message.BasicProperties;
            Assert.Equal(ids[n], p.MessageId);
            Assert.Equal("application/vnd.masstransit+json", p.ContentType);
            Assert.Equal(DeliveryModes.Persistent, p.DeliveryMode);
            Assert.Equal(Envelope(ids[n], n + 1), Encoding.UTF8.GetString(message.Body.Span));
            // x-dotnet-pub-seq-no: RabbitMQ.Client's confirm tracking tags each publish to match a basic.return to it.
            Assert.Equal(["MT-Host-MachineName", "MT-Redelivery-Count"],
                p.Headers!.Keys.Where(k => k != "x-dotnet-pub-seq-no").Order(StringComparer.Ordinal));
            Assert.Equal("worker-7", Encoding.UTF8.GetString((byte[])p.Headers["MT-Host-MachineName"]!));
        }

        // An empty error queue replays nothing and is not an error.
        (exit, replay, _) = await RunAsync(w => ErrorsCommand.ReplayAsync(seed.WorkersSettings, Queue, null, null, json: true, w, default));
        Assert.Equal(0, exit);
        Assert.Equal(0, replay.GetProperty("replayed").GetInt32());
    }

    [Fact]
    public async Task Errors_replay_with_a_message_id_moves_only_that_message()
    {
        await using var connection = await seed.ConnectAsync();
        // Publisher confirms: each fault is in the queue before the command under test looks.
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        await ResetQueuesAsync(channel);
        var ids = new[] { await PublishFaultAsync(channel, 1), await PublishFaultAsync(channel, 2), await PublishFaultAsync(channel, 3) };

        var (exit, replay, _) = await RunAsync(w => ErrorsCommand.ReplayAsync(seed.WorkersSettings, Queue, null, ids[1], json: true, w, default));

        Assert.Equal(0, exit);
        Assert.Equal([ids[1]], replay.GetProperty("messageIds").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal(1u, await DepthAsync(channel, Queue));
        Assert.Equal(ids[1], (await channel.BasicGetAsync(Queue, autoAck: true))!.BasicProperties.MessageId);
        var (_, listing, _) = await RunAsync(w => ErrorsCommand.ListAsync(seed.WorkersSettings, Queue, 20, json: true, w, default));
        Assert.Equal([ids[0], ids[2]], listing.GetProperty("shown").EnumerateArray().Select(m => m.GetProperty("messageId").GetString()));

        // An id that is not there: nothing moves, exit 1.
        var missing = Guid.NewGuid().ToString();
        Assert.Equal(1, (await RunAsync(w => ErrorsCommand.ReplayAsync(seed.WorkersSettings, Queue, null, missing, json: true, w, default))).Exit);
        Assert.Equal(2u, await DepthAsync(channel, ErrorQueue));
        Assert.Equal(0u, await DepthAsync(channel, Queue));
    }

    [Fact]
    public async Task Errors_commands_exit_1_when_the_error_queue_does_not_exist()
    {
        Assert.Equal(1, (await RunAsync(w => ErrorsCommand.ListAsync(seed.WorkersSettings, "no-such-worker", 20, json: true, w, default))).Exit);
        Assert.Equal(1, (await RunAsync(w => ErrorsCommand.ReplayAsync(seed.WorkersSettings, "no-such-worker", null, null, json: true, w, default))).Exit);
    }

    [Theory]
    [InlineData("list")]
    [InlineData("replay")]
    public async Task Errors_commands_as_the_operator_exit_2_saying_they_need_the_workers_user_and_move_nothing(string command)
    {
        await using var connection = await seed.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        await ResetQueuesAsync(channel);
        await PublishFaultAsync(channel, 1);

        await using var cli = HostProcess.StartCli(seed.Env.CliEnvironment(BrokerUsers.Operator), "errors", command, Queue);

        Assert.Equal(2, await cli.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var line = Assert.Single(cli.StandardError);
        Assert.StartsWith($"mreg: {ErrorsCommand.NeedsWorkersUser}; the broker refused user 'mreg-operator': ACCESS_REFUSED", line, StringComparison.Ordinal);
        Assert.Equal((1u, 0u), (await DepthAsync(channel, ErrorQueue), await DepthAsync(channel, Queue)));
    }

    [Fact]
    public async Task Status_as_the_operator_reads_every_worker_queue_and_names_the_user()
    {
        await using (var connection = await seed.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            await ResetQueuesAsync(channel);
            await PublishFaultAsync(channel, 1);
        }

        var report = await StatusCommand.CollectAsync(seed.Settings, default);

        Assert.Equal((true, "mreg-operator", (string?)null), (report.Broker.Up, report.Broker.User, report.Broker.Error));
        // Passive declares need no permission: a worker queue the operator may not read is still counted.
        Assert.Equal((true, 1u), report.ErrorQueues.Where(q => q.Queue == ErrorQueue).Select(q => (q.Exists, q.Messages)).Single());
    }

    [Fact]
    public async Task Mreg_help_lists_the_new_command_groups_and_refuses_a_malformed_tag()
    {
        using var help = new StringWriter();
        var exit = await MregCommand.Build().Parse(["--help"]).InvokeAsync(new InvocationConfiguration { Output = help });

        Assert.Equal(0, exit);
        var commands = help.ToString().Split('\n').SkipWhile(l => !l.StartsWith("Commands:", StringComparison.Ordinal))
            .Select(l => l.Trim().Split(' ')[0]).Where(w => w.Length > 0).ToList();
        Assert.Equal(["Commands:", "status", "db", "models", "versions", "artifact", "errors", "rejections", "audit", "outbox", "promote", "promotions", "approvals", "cancel", "rollback",
            "trace", "deployments", "where", "production", "reproduce", "impact", "shadow", "violations", "retention", "hold", "storage", "demo"],
            commands);

        Assert.Contains("mreg connects to the broker as RabbitMq__Username: the operator's user mreg-operator", MregCommand.Build().Description,
            StringComparison.Ordinal);

        Assert.NotEmpty(MregCommand.Build().Parse(["models", "list", "--tag", "stage"]).Errors);
        Assert.Empty(MregCommand.Build().Parse(["models", "list", "--tag", "stage=prod", "--tag", "domain=text", "--team", "nlp"]).Errors);
        Assert.Empty(MregCommand.Build().Parse(["errors", "replay", "registration", "--message-id", "x", "--json"]).Errors);
    }

    private async Task<List<string>> ListNamesAsync(string? team, params string[] tags)
    {
        var (exit, json, _) = await RunAsync(w => ModelsCommand.ListAsync(seed.Settings, tags, team, json: true, w, default));
        Assert.Equal(0, exit);
        return json.EnumerateArray().Select(m => m.GetProperty("name").GetString()!).ToList();
    }

    internal static async Task<(int Exit, JsonElement Json, string Text)> RunAsync(Func<TextWriter, Task<int>> command)
    {
        using var output = new StringWriter();
        var exit = await command(output);
        var text = output.ToString();
        var json = text.Length > 0 && text[0] is '{' or '[' ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (exit, json, text);
    }

    private static async Task ResetQueuesAsync(IChannel channel)
    {
        foreach (var queue in new[] { Queue, ErrorQueue })
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
            await channel.QueuePurgeAsync(queue);
        }
    }

    private static async Task<uint> DepthAsync(IChannel channel, string queue) => (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;

    /// <summary>Publishes what MassTransit's error transport would leave in <c>probe_error</c>; returns the message id.</summary>
    private static async Task<string> PublishFaultAsync(IChannel channel, int n)
    {
        var id = Guid.NewGuid().ToString();
        var properties = new BasicProperties
        {
            ContentType = "application/vnd.masstransit+json",
            MessageId = id,
            DeliveryMode = DeliveryModes.Persistent,
            Headers = new Dictionary<string, object?>
            {
                ["MT-Reason"] = "fault",
                ["MT-Fault-ExceptionType"] = "System.InvalidOperationException",
                ["MT-Fault-Message"] = $"probe {n} failed on purpose",
                ["MT-Fault-Timestamp"] = "2025-01-02T03:04:05.0000000Z",
                ["MT-Fault-StackTrace"] = "   at ProbeConsumer.Consume()",
                ["MT-Redelivery-Count"] = 2,
                ["MT-Host-MachineName"] = "worker-7",
            },
        };
        await channel.BasicPublishAsync("", ErrorQueue, mandatory: false, properties, Encoding.UTF8.GetBytes(Envelope(id, n)));
        return id;
    }

    private static string Envelope(string id, int n) => JsonSerializer.Serialize(new
    {
        messageId = id,
        messageType = MessageTypes,
        message = new { probeId = Guid.Empty, requestedBy = $"cli-specs-{n}", padding = new string('x', 300) },
    });
}
