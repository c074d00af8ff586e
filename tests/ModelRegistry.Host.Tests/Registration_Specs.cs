using System.Diagnostics;
using System.Text.Json;
using Dapper;
using ModelRegistry.Platform;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;
using RabbitMQ.Client;

namespace ModelRegistry.Host.Tests;

public class Registration_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task A_ModelTrained_becomes_version_1_with_its_lineage_files_and_stored_bytes()
    {
        var trained = registry.Pipeline.Trained("resnet-e2e", "run-1");
        await registry.Observer.PublishAsync(trained);

        var registered = await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "resnet-e2e");
        Assert.Equal(1, registered.Version);
        Assert.Equal("run-1:resnet-e2e", registered.IdempotencyKey);
        Assert.Matches("^sha256:[0-9a-f]{64}$", registered.ManifestDigest);

        await using var c = await registry.DataSource.OpenConnectionAsync();
        var lineage = await c.QuerySingleAsync<(string Run, string Commit, string Hyper)>(
            "SELECT training_run_id, code_commit, hyperparameters::text FROM registry.lineage WHERE version_id = @id",
            new { id = registered.ModelVersionId });
        Assert.Equal(("run-1", "0123456789abcdef0123456789abcdef01234567"), (lineage.Run, lineage.Commit));
        Assert.Contains("\"lr\": 0.001", lineage.Hyper);
        var datasets = await c.QueryAsync<string>("SELECT name || '@' || version FROM registry.lineage_datasets WHERE version_id = @id", new { id = registered.ModelVersionId });
        Assert.Equal(["imagenet-subset@2026-10"], datasets);
        var files = (await c.QueryAsync<(string Path, string Sha256)>(
            "SELECT path, sha256 FROM registry.artifact_files WHERE version_id = @id ORDER BY path", new { id = registered.ModelVersionId })).ToList();
        Assert.Equal(["config.json", "model.safetensors"], files.Select(f => f.Path));
        foreach (var (_, sha) in files)
        {
            var stored = Path.Combine(registry.ArtifactsRoot, "objects", sha[..2], sha);
            Assert.True(File.Exists(stored), $"object {sha} not in the store");
            Assert.Equal(sha, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(stored))));
        }

        // Versions are immutable, even for the application's own role.
        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            c.ExecuteAsync("UPDATE registry.model_versions SET manifest_digest = manifest_digest WHERE version_id = @id", new { id = registered.ModelVersionId }));
        Assert.Contains("immutable", refused.MessageText);
    }

    [Fact]
    public async Task A_fine_tune_names_its_registered_base_model_and_an_unknown_base_is_refused()
    {
        await registry.Observer.PublishAsync(registry.Pipeline.Trained("bert-base", "base-run"));
        await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "bert-base");

        await registry.Observer.PublishAsync(registry.Pipeline.Trained("bert-legal", "ft-run", baseModel: new BaseModelRef { Name = "bert-base", Version = 1 }));
        var fineTune = await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "bert-legal");
        await using var c = await registry.DataSource.OpenConnectionAsync();
        var baseName = await c.ExecuteScalarAsync<string>(
            "SELECT m.name FROM registry.lineage l JOIN registry.model_versions b ON b.version_id = l.base_version_id JOIN registry.models m ON m.model_id = b.model_id WHERE l.version_id = @id",
            new { id = fineTune.ModelVersionId });
        Assert.Equal("bert-base", baseName);

        await registry.Observer.PublishAsync(registry.Pipeline.Trained("bert-orphan", "ft-run-2", baseModel: new BaseModelRef { Name = "bert-base", Version = 9 }));
        var rejected = await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.ModelName == "bert-orphan");
        Assert.Equal(RejectionReasons.UnknownBaseModel, rejected.ReasonCode);
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.model_versions v JOIN registry.models m USING (model_id) WHERE m.name = 'bert-orphan'"));
    }

    [Fact]
    public async Task Plain_JSON_from_RabbitMQ_Client_without_MassTransit_registers()
    {
        var trained = registry.Pipeline.Trained("raw-json-model", "raw-run");
        var factory = Preflight.ConnectionFactory(registry.As(BrokerUsers.Pipeline));
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            var properties = new BasicProperties
            {
                ContentType = "application/json",
                DeliveryMode = DeliveryModes.Persistent,
                MessageId = Guid.NewGuid().ToString(),
                UserId = BrokerUsers.Pipeline, // the principal: the broker checks it is the connection's user
            };
            await channel.BasicPublishAsync("mreg.model-trained", "", false, properties, JsonSerializer.SerializeToUtf8Bytes(trained, Wire));
        }

        var registered = await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "raw-json-model");
        Assert.Equal(1, registered.Version);
        Assert.Equal("raw-run", registered.TrainingRunId);
    }

    [Fact]
    public async Task A_body_that_is_not_a_ModelTrained_lands_in_the_error_queue_with_the_reason_and_the_worker_goes_on()
    {
        var factory = Preflight.ConnectionFactory(registry.RabbitMq);
        await using var connection = await factory.CreateConnectionAsync();
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent, MessageId = Guid.NewGuid().ToString() };
            await channel.BasicPublishAsync("mreg.model-trained", "", false, properties, """{"modelName": {"not": "a string"}"""u8.ToArray());
        }
        await registry.Observer.PublishAsync(registry.Pipeline.Trained("after-garbage", "run-1"));
        await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "after-garbage");

        // MassTransit declares the error queue when it moves the first message there.
        await Eventually.UntilAsync(() => QueueInspector.InspectAsync(registry.RabbitMq, ["registration_error"]),
            q => q[0].Messages >= 1, TimeSpan.FromSeconds(30), "a message in registration_error");
        await using var reader = await connection.CreateChannelAsync();
        var faulted = await reader.BasicGetAsync("registration_error", autoAck: true);
        Assert.NotNull(faulted);
        var reason = System.Text.Encoding.UTF8.GetString((byte[])faulted!.BasicProperties.Headers!["MT-Fault-Message"]!);
        Assert.Contains("JSON", reason, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("not", System.Text.Encoding.UTF8.GetString(faulted.Body.Span));
    }

    [Fact]
    public async Task A_Python_pika_client_publishing_the_documented_JSON_registers()
    {
        var trained = registry.Pipeline.Trained("pika-model", "pika-run", idempotencyKey: "pika-key-1");
        var body = Path.Combine(registry.SourceRoot, "pika-body.json");
        await File.WriteAllBytesAsync(body, JsonSerializer.SerializeToUtf8Bytes(trained, Wire));
        var r = registry.As(BrokerUsers.Pipeline);
        var script = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../clients/publish.py"));
        // Debian's python3 with python3-pika (test.sh installs it), not whatever python3 comes first on PATH.
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        // No user given: it connects, and sets user_id, as the development pipeline, mreg-pipeline.
        foreach (var arg in new[] { script, "--url", $"amqp://{r.Host}:{r.Port}/{r.VirtualHost}",
                     "--exchange", "mreg.model-trained", "--file", body, "--message-id", Guid.NewGuid().ToString() })
            info.ArgumentList.Add(arg);
        using var python = Process.Start(info)!;
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, await python.StandardError.ReadToEndAsync());

        var registered = await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "pika-model");
        Assert.Equal("pika-key-1", registered.IdempotencyKey);

        // ... and `mreg versions show` (the real command line) displays it with its whole lineage.
        await using var show = HostProcess.StartCli(registry.CliEnvironment(), "versions", "show", "pika-model", "1", "--json");
        Assert.Equal(0, await show.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        using var shown = JsonDocument.Parse(show.Output);
        var lineage = shown.RootElement.GetProperty("lineage");
        Assert.Equal("pika-run", lineage.GetProperty("trainingRunId").GetString());
        Assert.Equal(trained.Lineage!.CodeCommit, lineage.GetProperty("codeCommit").GetString());
        Assert.Equal(trained.Lineage.CodeRepository, lineage.GetProperty("codeRepository").GetString());
        Assert.Equal("imagenet-subset", lineage.GetProperty("datasets")[0].GetProperty("name").GetString());
        Assert.Equal(0.001, lineage.GetProperty("hyperparameters").GetProperty("lr").GetDouble());
        Assert.Equal(registered.ManifestDigest, shown.RootElement.GetProperty("manifestDigest").GetString());
        Assert.Equal(2, shown.RootElement.GetProperty("files").GetArrayLength());
    }

    [Fact]
    public async Task The_same_event_published_again_is_one_version_and_is_announced_again()
    {
        var trained = registry.Pipeline.Trained("twice-model", "twice-run");
        await registry.Observer.PublishAsync(trained);
        var first = await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "twice-model");
        await registry.Observer.PublishAsync(trained);
        await Eventually.UntilAsync(() => Task.FromResult(registry.Observer.All<ModelVersionRegistered>().Count(e => e.ModelName == "twice-model")),
            n => n == 2, TimeSpan.FromSeconds(30), "second announcement");

        Assert.All(registry.Observer.All<ModelVersionRegistered>().Where(e => e.ModelName == "twice-model"),
            e => Assert.Equal(first.ModelVersionId, e.ModelVersionId));
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.model_versions v JOIN registry.models m USING (model_id) WHERE m.name = 'twice-model'"));
    }

    [Theory]
    [InlineData("small", 100)] // read again, found to be a duplicate in the group transaction
    [InlineData("large", 1024 * 1024 + 1)] // looked up before its sources are read
    public async Task The_same_event_published_again_after_its_sources_were_deleted_is_announced_again_not_refused(string kind, int weightBytes)
    {
        var model = $"gone-sources-{kind}";
        var trained = registry.Pipeline.Trained(model, "gone-run", weights: new byte[weightBytes]);
        await registry.Observer.PublishAsync(trained);
        var first = await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == model);
        Directory.Delete(Path.Combine(registry.SourceRoot, model), recursive: true);

        await registry.Observer.PublishAsync(trained);
        await Eventually.UntilAsync(() => Task.FromResult(registry.Observer.All<ModelVersionRegistered>().Count(e => e.ModelName == model)),
            n => n == 2, TimeSpan.FromSeconds(30), "second announcement");

        Assert.All(registry.Observer.All<ModelVersionRegistered>().Where(e => e.ModelName == model),
            e => Assert.Equal(first.ModelVersionId, e.ModelVersionId));
        Assert.DoesNotContain(registry.Observer.All<ModelRegistrationRejected>(), e => e.ModelName == model);
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.rejections WHERE subject = @model", new { model }));
    }

    [Fact]
    public async Task The_same_idempotency_key_with_different_bytes_is_refused()
    {
        await registry.Observer.PublishAsync(registry.Pipeline.Trained("key-model", "key-run-a", idempotencyKey: "shared-key"));
        await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "key-model");
        await registry.Observer.PublishAsync(registry.Pipeline.Trained("key-model", "key-run-b", idempotencyKey: "shared-key", weights: [1, 2, 3]));

        var rejected = await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.ModelName == "key-model");
        Assert.Equal(RejectionReasons.IdempotencyConflict, rejected.ReasonCode);
        Assert.Contains("shared-key", rejected.Message);
    }
}
