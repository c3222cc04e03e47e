from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "dangjian.outreach"
    label = "outreach"
    verbose_name = "联建共创"

    def ready(self):
        from auditlog.registry import auditlog

        from dangjian.outreach import models as m

        auditlog.register(m.Partner)
        auditlog.register(m.Pairing)
        auditlog.register(m.PairingTask)
        auditlog.register(m.Activity, m2m_fields={"participants", "completes"})
        auditlog.register(m.ActivityPhoto)
        auditlog.register(m.ActivityCorrection)
        auditlog.register(m.Liaison)
        auditlog.register(m.Dispatch)
        auditlog.register(m.Contact)
        auditlog.register(m.Revision)
