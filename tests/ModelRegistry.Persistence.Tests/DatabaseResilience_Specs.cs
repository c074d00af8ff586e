using Dapper;
using ModelRegistry.Platform;
using ModelRegistry.Testing;
using Npgsql;

namespace ModelRegistry.Persistence.Tests;

public class DatabaseResilience_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    // Real errors, raised by the server with the SQLSTATE a real failure would carry.
    private async Task Raise(string sqlState)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        await c.ExecuteAsync($"DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = '{sqlState}'; END $$");
    }

    [Theory]
    [InlineData(PostgresErrorCodes.SerializationFailure)]
    [InlineData(PostgresErrorCodes.DeadlockDetected)]
    [InlineData(PostgresErrorCodes.AdminShutdown)]
    public async Task Transient_errors_are_retried_until_the_attempts_run_out(string sqlState)
    {
        var retries = 0;
        var pipeline = DatabaseResilience.Build(maxAttempts: 3, baseDelay: TimeSpan.FromMilliseconds(1), onRetry: _ => retries++);
        var error = await Assert.ThrowsAsync<PostgresException>(async () => await pipeline.ExecuteAsync(async _ => await Raise(sqlState)));
        Assert.Equal(sqlState, error.SqlState);
        Assert.Equal(3, retries);
    }

    [Theory]
    [InlineData(PostgresErrorCodes.UniqueViolation)]
    [InlineData(PostgresErrorCodes.ForeignKeyViolation)]
    [InlineData(PostgresErrorCodes.CheckViolation)]
    [InlineData(PostgresErrorCodes.SyntaxError)]
    public async Task Constraint_violations_and_bugs_are_not_retried(string sqlState)
    {
        var retries = 0;
        var pipeline = DatabaseResilience.Build(maxAttempts: 3, baseDelay: TimeSpan.FromMilliseconds(1), onRetry: _ => retries++);
        var error = await Assert.ThrowsAsync<PostgresException>(async () => await pipeline.ExecuteAsync(async _ => await Raise(sqlState)));
        Assert.Equal(sqlState, error.SqlState);
        Assert.Equal(0, retries);
    }

    [Fact]
    public async Task A_transient_error_that_clears_lets_the_work_succeed()
    {
        var attempts = 0;
        var pipeline = DatabaseResilience.Build(maxAttempts: 3, baseDelay: TimeSpan.FromMilliseconds(1));
        var value = await pipeline.ExecuteAsync(async token =>
        {
            if (++attempts == 1) await Raise(PostgresErrorCodes.SerializationFailure);
            await using var c = await env.DataSource.OpenConnectionAsync(token);
            return await c.ExecuteScalarAsync<int>("SELECT 42");
        });
        Assert.Equal(42, value);
        Assert.Equal(2, attempts);
    }
}
