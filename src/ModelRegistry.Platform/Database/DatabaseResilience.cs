using Npgsql;
using Polly;
using Polly.Retry;

namespace ModelRegistry.Platform;

/// <summary>The one retry policy for database work: transient errors only, never constraint violations.</summary>
public static class DatabaseResilience
{
    public static ResiliencePipeline Pipeline { get; } = Build(maxAttempts: 5, baseDelay: TimeSpan.FromMilliseconds(50));

    public static ResiliencePipeline Build(int maxAttempts, TimeSpan baseDelay, Action<int>? onRetry = null) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = maxAttempts,
                Delay = baseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    onRetry?.Invoke(args.AttemptNumber);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    /// <summary>
    /// Connection failures, serialization failures, deadlocks, server shutdown and resource exhaustion
    /// heal by themselves; integrity and syntax errors never do.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException pg => pg.SqlState switch
        {
            PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected => true,
            PostgresErrorCodes.LockNotAvailable => true,
            _ when pg.SqlState.StartsWith("23", StringComparison.Ordinal) => false, // integrity constraint violation
            _ => pg.IsTransient,
        },
        NpgsqlException npgsql => npgsql.IsTransient,
        TimeoutException => true,
        _ => false,
    };
}
