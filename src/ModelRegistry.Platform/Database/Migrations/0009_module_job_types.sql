-- Owner: promotion (its Quartz job). The workers became one project each (issue 10): the promotion deadline job's type
-- moved from ModelRegistry.Components to the ModelRegistry.Promotion assembly. Quartz stores a job's type by name, so
-- deadlines scheduled before the upgrade are pointed at the new name; otherwise they would fail to load and never fire.
UPDATE quartz.qrtz_job_details
SET job_class_name = 'ModelRegistry.Promotion.PromotionDeadlineJob, ModelRegistry.Promotion'
WHERE job_class_name = 'ModelRegistry.Components.Promotion.PromotionDeadlineJob, ModelRegistry.Components';
