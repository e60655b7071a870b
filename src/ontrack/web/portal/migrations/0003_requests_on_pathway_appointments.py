"""Appointment requests and reminder links point at the pathway's own appointment."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def fill_referral(apps: Any, schema_editor: Any) -> None:
    AppointmentRequest = apps.get_model("portal", "AppointmentRequest")
    Episode = apps.get_model("records", "Episode")
    for request in AppointmentRequest.objects.filter(referral__isnull=True):
        request.referral_id = Episode.objects.get(pk=request.episode_id).referral_id
        request.save(update_fields=["referral"])


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_encrypted_text"),
        ("records", "0008_encrypted_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="accesslink",
            name="appointment",
            field=models.ForeignKey(
                blank=True,
                help_text="For a reminder's link: the one booked appointment it may cancel or move.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="records.appointment",
            ),
        ),
        migrations.AddField(
            model_name="appointmentrequest",
            name="appointment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="client_requests",
                to="records.appointment",
            ),
        ),
        migrations.AddField(
            model_name="appointmentrequest",
            name="referral",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="records.referral",
            ),
        ),
        migrations.RunPython(fill_referral, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="appointmentrequest",
            name="referral",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="records.referral",
            ),
        ),
        migrations.AlterField(
            model_name="appointmentrequest",
            name="episode",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="records.episode",
            ),
        ),
    ]
