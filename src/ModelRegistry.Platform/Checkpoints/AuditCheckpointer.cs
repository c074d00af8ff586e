using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Audit;
using Npgsql;

namespace ModelRegistry.Platform.Checkpoints;

/// <summary>
/// Makes a checkpoint: reads the log's head, signs it with the host's key, and writes it to the broker's stream and, when
/// configured, to the file. A sink that fails is logged as an error and reported to the watchdog, and the call throws
/// (the message is retried and ends in the error queue): a checkpoint is never lost in silence.
/// </summary>
public sealed class AuditCheckpointer(NpgsqlDataSource dataSource, RabbitMqOptions rabbit, AuditCheckpointOptions options,
    AuditCheckpointHealth health, TimeProvider clock, ILogger<AuditCheckpointer> logger)
{
    public async Task<AuditCheckpoint> CheckpointAsync(CancellationToken ct)
    {
        (long Sequence, string Hash) head;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
            head = await AuditCheckpointQueries.HeadAsync(connection, ct);
        var checkpoint = AuditCheckpoints.Sign(options.Key ?? throw new InvalidOperationException("the checkpoint key was not loaded"),
            head.Sequence, head.Hash, clock.GetUtcNow());
        var failures = new List<string>();
        try
        {
            await AuditCheckpointBroker.PublishAsync(rabbit, checkpoint, ct);
        }
        catch (AuditCheckpointSinkException e)
        {
            failures.Add(e.Message);
        }
        if (options.CheckpointFile is { Length: > 0 } file)
        {
            try
            {
                AuditCheckpointFile.Append(file, checkpoint);
            }
            catch (AuditCheckpointSinkException e)
            {
                failures.Add(e.Message);
            }
        }
        if (failures.Count > 0)
        {
            var why = string.Join("; ", failures);
            health.Failed(why);
            logger.LogError("Audit checkpoint of record {Sequence} failed: {Problem}", checkpoint.Sequence, why);
            throw new AuditCheckpointSinkException($"audit checkpoint of record {checkpoint.Sequence}: {why}");
        }
        health.Succeeded();
        logger.LogInformation("Audit checkpoint: record {Sequence}, hash {Hash}, key {KeyId}", checkpoint.Sequence, checkpoint.HeadHash, checkpoint.KeyId);
        return checkpoint;
    }
}
