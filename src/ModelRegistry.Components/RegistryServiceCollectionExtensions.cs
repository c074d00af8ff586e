using ModelRegistry.Components;
using ModelRegistry.Components.Promotion;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelRegistry.Persistence;
using ModelRegistry.Persistence.Artifacts;
using ModelRegistry.Persistence.Evaluation;
using ModelRegistry.Persistence.Outbox;
using ModelRegistry.Persistence.Registration;
using Npgsql;
using Quartz;

namespace ModelRegistry.Components;

/// <summary>Wires one feature per method; the host calls them in order.</summary>
public static class RegistryServiceCollectionExtensions
{
    public static IServiceCollection AddRegistryOptions(this IServiceCollection services)
    {
        services.AddOptions<RabbitMqOptions>().BindConfiguration(RabbitMqOptions.Section);
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<DatabaseOptions>>().Value);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<RabbitMqOptions>>().Value);
        services.AddOptions<ArtifactStoreOptions>().BindConfiguration(ArtifactStoreOptions.Section);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ArtifactStoreOptions>>().Value);
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<HealthOptions>>().Value);
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<OutboxOptions>>().Value);
        services.AddOptions<MessageOptions>().BindConfiguration(MessageOptions.Section);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<MessageOptions>>().Value);
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    public static IServiceCollection AddRegistryDatabase(this IServiceCollection services)
    {
        // One data source for the process: it owns the connection pool.
        services.AddSingleton(sp => DataSources.Create(sp.GetRequiredService<DatabaseOptions>().ConnectionString));
        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<IProbeStore, ProbeStore>();
        services.AddSingleton<RegistrationStore>();
        services.AddSingleton<EvaluationStore>();
        services.AddSingleton<RefusedBodyStore>();
        services.AddSingleton<IArtifactStore, ContentAddressedStore>();
        services.AddSingleton(HostInstance.Current);
        return services;
    }

    public static IServiceCollection AddRegistryBus(this IServiceCollection services, IReadOnlyList<Worker> workers)
    {
        services.AddOptions<MassTransitHostOptions>().Configure<RabbitMqOptions>((o, rabbit) =>
        {
            o.WaitUntilStarted = true; // else the first messages can arrive before the queues are bound
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(rabbit.StopTimeoutSeconds);
            o.ConsumerStopTimeout = TimeSpan.FromSeconds(rabbit.StopTimeoutSeconds);
        });
        services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            foreach (var worker in workers) worker.Register(x);
            // Every endpoint refuses an oversized body before it is read (docs/messages.md, "Size").
            x.AddConfigureEndpointsCallback((context, _, endpoint) => OversizedBodyFilter.Configure(endpoint, context));
            x.UsingRabbitMq((context, cfg) =>
            {
                var o = context.GetRequiredService<RabbitMqOptions>();
                cfg.Host(o);
                cfg.PrefetchCount = o.PrefetchCount;
                // Plain JSON from non-.NET publishers (content type application/json, or none)
                // as well as MassTransit's envelope: docs/messages.md. The exchange names the type.
                cfg.AddDeserializer(new ExchangeTypedJsonDeserializerFactory(), isDefault: true);
                cfg.ConfigureEndpoints(context);
            });
        });
        // After the bus, so it stops before the bus does.
        services.AddSingleton<IOutboxPublisher, BusOutboxPublisher>();
        services.AddSingleton<OutboxRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
        services.AddSingleton(new SelectedWorkers(workers));
        services.AddSingleton<HostExit>();
        services.AddHostedService<HostHealthMonitor>();
        return services;
    }

    /// <summary>The promotion worker's settings (loaded and validated by the host) and services.</summary>
    public static IServiceCollection AddRegistryPromotion(this IServiceCollection services, PromotionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings.Options);
        services.AddSingleton(settings.Policy);
        services.AddSingleton<IApprovalAuthenticator>(new ConfiguredApprovalAuthenticator(settings.Ticketing, settings.Approvers));
        services.AddSingleton<IPromotionDeadlines, QuartzPromotionDeadlines>();
        services.AddSingleton<PromotionWorkflow>();
        return services;
    }

    /// <summary>Quartz on its PostgreSQL job store, clustered, so schedules survive restarts and fire once.</summary>
    public static IServiceCollection AddRegistryScheduler(this IServiceCollection services, IConfiguration configuration)
    {
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = "model-registry";
                // Unique per live process, as clustering requires; a restarted host is a new member
                // and the cluster recovers the old one's in-flight jobs.
                s.InstanceId = HostInstance.Current.Name;
            });
            q.UsePersistentStore(store =>
            {
                store.UsePostgres(database.ConnectionString);
                // The tables are provisioned by our migrations (0002), in their own schema.
                store.ConfigureStore(o => o.TablePrefix = QuartzSchema.TablePrefix);
                store.UseClustering(c =>
                {
                    c.CheckinInterval = TimeSpan.FromSeconds(5);
                    c.CheckinMisfireThreshold = TimeSpan.FromSeconds(15);
                });
                store.UseSystemTextJsonSerializer();
            });
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return services;
    }
}
