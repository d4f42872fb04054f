"""A room handed over by its owner to another member is recorded."""


from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('moderation', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='moderationaction',
            name='action',
            field=models.CharField(choices=[('message_delete', 'delete message'), ('member_kick', 'kick member'), ('member_ban', 'ban from room'), ('member_unban', 'unban from room'), ('invite_rotate', 'rotate invite code'), ('room_delete', 'delete room'), ('room_hand_over', 'hand room over'), ('user_deactivate', 'deactivate user'), ('user_reactivate', 'reactivate user')], max_length=32, verbose_name='action'),
        ),
    ]
